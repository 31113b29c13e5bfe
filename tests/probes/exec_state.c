/* Fidelity (issues 11 and 12): what an execve keeps and what it drops, checked across a chain of execs of this same
 * program (the role comes from EXEC_STATE_STAGE in the environment, never from argv). The runner replaces a
 * single-threaded process inside the same runner process and re-executes itself for a multi-threaded one, so both
 * paths are covered. Linux is the oracle:
 *   kept:    pid, parent, blocked mask, pending signals (a blocked SIGUSR1 raised before the exec), ignored dispositions,
 *            interval timers and alarm, descriptors without close-on-exec (and their offsets), working directory, umask;
 *   dropped: handlers (back to default), close-on-exec descriptors, POSIX timers (timer_create), the robust list;
 *   then 200 more execs of the same program, every tenth right after starting a detached thread that exits at once
 *   (it may still be finishing when execve runs): no descriptor, memory or host resource may pile up (the next free
 *   descriptor is the same as before the chain), and a failed execve leaves the process as it was.
 * Build: musl-gcc -static -O1 -pthread (also glibc static). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHAIN 200

static char self[4096];

static void handler(int s) { (void)s; }

static void exec_stage(const char *stage, const char *extra_name, const char *extra_value)
{
    setenv("EXEC_STATE_STAGE", stage, 1);
    if (extra_name) setenv(extra_name, extra_value, 1);
    char *argv[] = {"exec_state", NULL};
    execv(self, argv);
    printf("execve(%s) failed: errno=%d\n", stage, errno);
    fflush(stdout);
    _exit(1);
}

static int env_int(const char *name) { const char *v = getenv(name); return v ? atoi(v) : -1; }

static void report_after_exec(void)
{
    printf("pid kept: %d\n", (int)getpid() == env_int("EXEC_STATE_PID"));
    printf("ppid kept: %d\n", (int)getppid() == env_int("EXEC_STATE_PPID"));
    sigset_t mask, pending;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    sigpending(&pending);
    printf("SIGUSR1 still blocked: %d, still pending: %d\n", sigismember(&mask, SIGUSR1), sigismember(&pending, SIGUSR1));
    struct sigaction sa;
    sigaction(SIGUSR2, NULL, &sa);
    printf("SIGUSR2 handler reset to default: %d\n", sa.sa_handler == SIG_DFL);
    sigaction(SIGHUP, NULL, &sa);
    printf("SIGHUP still ignored: %d\n", sa.sa_handler == SIG_IGN);
    struct itimerval it;
    getitimer(ITIMER_REAL, &it);
    printf("ITIMER_REAL kept: %d\n", it.it_value.tv_sec > 0 || it.it_value.tv_usec > 0);
    unsigned left = alarm(0);
    printf("alarm kept: %d\n", left > 0);
    struct itimerspec ts;
    long r = syscall(SYS_timer_gettime, env_int("EXEC_STATE_TIMER"), &ts);
    printf("POSIX timer gone: %d (errno %s)\n", r == -1, r == -1 && errno == EINVAL ? "EINVAL" : "other");
    int kept_fd = env_int("EXEC_STATE_KEPT");
    int cloexec_fd = env_int("EXEC_STATE_CLOEXEC");
    printf("plain descriptor open: %d, offset kept: %d\n", fcntl(kept_fd, F_GETFD) >= 0, lseek(kept_fd, 0, SEEK_CUR) == 3);
    printf("close-on-exec descriptor closed: %d\n", fcntl(cloexec_fd, F_GETFD) == -1 && errno == EBADF);
    char cwd[4096];
    printf("cwd kept: %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
    mode_t old = umask(0);
    printf("umask kept: %03o\n", (unsigned)old);
    void *head = (void *)1;
    size_t len = 0;
    syscall(SYS_get_robust_list, 0, &head, &len);
    printf("robust list cleared: %d\n", head == NULL);
    /* The next free descriptor, before the chain. */
    int probe = open("/dev/null", O_RDONLY);
    close(probe);
    char text[16];
    snprintf(text, sizeof text, "%d", probe);
    setenv("EXEC_STATE_FREE", text, 1);
    fflush(stdout);
}

static void *spin(void *arg) { (void)arg; for (;;) pause(); return NULL; }

static void *quick_exit_thread(void *arg) { return arg; }

int main(void)
{
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) { printf("readlink failed\n"); return 1; }
    self[n] = 0;
    const char *stage = getenv("EXEC_STATE_STAGE");
    if (!stage) {
        setvbuf(stdout, NULL, _IONBF, 0);
        char text[16];
        snprintf(text, sizeof text, "%d", (int)getpid());
        setenv("EXEC_STATE_PID", text, 1);
        snprintf(text, sizeof text, "%d", (int)getppid());
        setenv("EXEC_STATE_PPID", text, 1);
        if (chdir("/") != 0) return 1;
        umask(027);
        signal(SIGUSR2, handler);
        signal(SIGHUP, SIG_IGN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        raise(SIGUSR1);
        struct itimerval it = {{0, 0}, {100, 0}};
        setitimer(ITIMER_REAL, &it, NULL);
        /* A POSIX timer far in the future: after the exec its id must be unknown (timer_gettime: EINVAL). A timer
         * firing around the exec would race even natively (its signal could arrive during the execve). */
        int timer = -1;
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_SIGNAL;
        ev.sigev_signo = SIGUSR2;
        if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &timer) != 0) { printf("timer_create errno=%d\n", errno); return 1; }
        struct itimerspec ts = {{0, 0}, {100, 0}};
        syscall(SYS_timer_settime, timer, 0, &ts, NULL);
        snprintf(text, sizeof text, "%d", timer);
        setenv("EXEC_STATE_TIMER", text, 1);
        int kept = open("/proc/self/exe", O_RDONLY);
        lseek(kept, 3, SEEK_SET);
        int cloexec = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        snprintf(text, sizeof text, "%d", kept);
        setenv("EXEC_STATE_KEPT", text, 1);
        snprintf(text, sizeof text, "%d", cloexec);
        setenv("EXEC_STATE_CLOEXEC", text, 1);
        /* A failed execve changes nothing. */
        char *none[] = {"none", NULL};
        int r = execv("/nonexistent/program", none);
        printf("failed execve: %d errno=%d, descriptors still open: %d\n", r, errno, fcntl(cloexec, F_GETFD) >= 0);
        exec_stage("after", NULL, NULL);
    }

    if (strcmp(stage, "after") == 0) {
        report_after_exec();
        exec_stage("chain", "EXEC_STATE_LEFT", "200");
    }

    if (strcmp(stage, "chain") == 0) {
        int left = env_int("EXEC_STATE_LEFT");
        if (left > 0 && left % 10 == 0) {
            /* A thread that exits at once, right before the exec: it may still be finishing when execve runs. */
            pthread_t quick;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            pthread_create(&quick, &attr, quick_exit_thread, NULL);
        }
        if (left > 0) {
            char text[16];
            snprintf(text, sizeof text, "%d", left - 1);
            exec_stage("chain", "EXEC_STATE_LEFT", text);
        }
        int probe = open("/dev/null", O_RDONLY);
        printf("after %d more execs, next free descriptor unchanged: %d\n", CHAIN, probe == env_int("EXEC_STATE_FREE"));
        /* Multi-threaded exec: the other thread ends with the exec. */
        pthread_t thread;
        pthread_create(&thread, NULL, spin, NULL);
        exec_stage("threaded", NULL, NULL);
    }

    if (strcmp(stage, "threaded") == 0) {
        printf("exec from a two-thread process: pid kept %d\n", (int)getpid() == env_int("EXEC_STATE_PID"));
        /* vfork + exec: the parent resumes after the child's exec, the child's status arrives. */
        setenv("EXEC_STATE_STAGE", "vforked", 1); /* before vfork: the child only execs */
        pid_t child = vfork();
        if (child == 0) {
            char *argv[] = {"exec_state", NULL};
            execv(self, argv);
            _exit(127);
        }
        int status = 0;
        waitpid(child, &status, 0);
        printf("vfork child exited: %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
        return 0;
    }

    if (strcmp(stage, "vforked") == 0) {
        printf("vfork child ran the new program: %d\n", (int)getppid() == env_int("EXEC_STATE_PID"));
        return 7;
    }

    printf("unknown stage %s\n", stage);
    return 1;
}
