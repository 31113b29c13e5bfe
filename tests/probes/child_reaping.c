/* Fidelity (issue 11), children reaped automatically: SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT, makes exited children
 * vanish (no zombie); wait4/waitpid/waitid then block until every child has exited and fail with ECHILD, and a pid
 * whose child was reaped so no longer exists (kill answers ESRCH). Back to SIG_DFL, children are zombies again. Each
 * mode prints what the guest saw; Linux is the oracle (same output, same exit status).
 *
 *   ign_wait        SIG_IGN; a child exits; waitpid(-1) and waitpid(pid) fail with ECHILD, kill(pid, 0) ESRCH
 *   ign_blocks      SIG_IGN; two children exit after 50 and 200 ms: waitpid(-1) waits for both, then ECHILD
 *   nocldwait       SA_NOCLDWAIT with a handler: the handler runs (SIGCHLD still sent), wait ECHILD
 *   nocldwait_dfl   SA_NOCLDWAIT with SIG_DFL: wait ECHILD
 *   restore_dfl     SIG_IGN, then SIG_DFL again: a child is a zombie and waitpid reports it
 *   waitid_ign      SIG_IGN; waitid(P_ALL, WEXITED) waits, then ECHILD; waitid WNOHANG with a live child answers 0
 *   exec_keeps      SIG_IGN survives execve: the exec'd image (this probe, mode ign_wait_after_exec) sees it
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void on_chld(int sig) { handled = sig; }

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) { }
}

static void set_chld(void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    report("sigaction", sigaction(SIGCHLD, &sa, 0));
}

static pid_t child_exiting_after(long ms, int code)
{
    pid_t c = fork();
    if (c == 0)
    {
        sleep_ms(ms);
        _exit(code);
    }

    return c;
}

static void wait_all_echild(void)
{
    int status = 0;
    long r;
    while ((r = waitpid(-1, &status, 0)) < 0 && errno == EINTR) { }
    report("waitpid_all", r);
}

static void ign_wait(void)
{
    pid_t c = child_exiting_after(0, 7);
    sleep_ms(300);
    wait_all_echild();
    int status = 0;
    report("waitpid_pid", waitpid(c, &status, 0));
    report("waitpid_nohang", waitpid(-1, &status, WNOHANG));
    sleep_ms(100); /* past a multi-threaded child's window between reaping and release */
    report("kill_reaped", kill(c, 0));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "ign_wait"))
    {
        set_chld(SIG_IGN, 0);
        ign_wait();
    }
    else if (!strcmp(mode, "ign_blocks"))
    {
        /* Each child writes one byte just before it exits: after the wait, both bytes are there. (kill(pid, 0) right
         * after the wait could still find a multi-threaded child's leader between its reaping and its release.) */
        int fds[2];
        report("pipe", pipe2(fds, O_NONBLOCK));
        set_chld(SIG_IGN, 0);
        for (int i = 0; i < 2; i++)
        {
            if (fork() == 0)
            {
                sleep_ms(i == 0 ? 200 : 50);
                write(fds[1], i == 0 ? "s" : "q", 1);
                _exit(3 + i);
            }
        }

        wait_all_echild();
        char got[4] = { 0 };
        report("read_marks", read(fds[0], got, sizeof got));
        printf("marks=%d\n", (got[0] == 's' || got[1] == 's') && (got[0] == 'q' || got[1] == 'q'));
    }
    else if (!strcmp(mode, "nocldwait"))
    {
        set_chld(on_chld, SA_NOCLDWAIT | SA_RESTART);
        pid_t c = child_exiting_after(0, 5);
        for (int i = 0; i < 300 && !handled; i++) sleep_ms(10);
        printf("handled=%d\n", handled);
        wait_all_echild();
        sleep_ms(100);
        report("kill_reaped", kill(c, 0));
    }
    else if (!strcmp(mode, "nocldwait_dfl"))
    {
        set_chld(SIG_DFL, SA_NOCLDWAIT);
        child_exiting_after(100, 5);
        wait_all_echild();
    }
    else if (!strcmp(mode, "restore_dfl"))
    {
        set_chld(SIG_IGN, 0);
        set_chld(SIG_DFL, 0);
        pid_t c = child_exiting_after(0, 9);
        sleep_ms(200);
        report("kill_zombie", kill(c, 0));
        int status = 0;
        long r = waitpid(-1, &status, 0);
        printf("waitpid_is_child=%d exit=%d\n", r == c, WEXITSTATUS(status));
        wait_all_echild();
    }
    else if (!strcmp(mode, "waitid_ign"))
    {
        set_chld(SIG_IGN, 0);
        child_exiting_after(200, 2);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        report("waitid_nohang", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
        printf("si_pid_zero=%d\n", si.si_pid == 0);
        long r;
        while ((r = waitid(P_ALL, 0, &si, WEXITED)) < 0 && errno == EINTR) { }
        report("waitid_all", r);
    }
    else if (!strcmp(mode, "exec_keeps"))
    {
        set_chld(SIG_IGN, 0);
        char *args[] = { argv[0], "ign_wait_after_exec", 0 };
        execv("/proc/self/exe", args);
        report("execv", -1);
    }
    else if (!strcmp(mode, "ign_wait_after_exec"))
    {
        struct sigaction old;
        sigaction(SIGCHLD, 0, &old);
        printf("inherited_ign=%d\n", old.sa_handler == SIG_IGN);
        ign_wait();
    }
    else
    {
        printf("unknown mode\n");
        return 2;
    }

    return 0;
}
