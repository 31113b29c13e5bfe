/* Hostile guest: reaching host processes by pid (issue 10). Run only under the runner (natively it would signal
 * host processes): hostile_pids OUTSIDER, where OUTSIDER is a host process that is not part of the sandbox.
 * Every way of naming it must answer ESRCH, as if it did not exist; "everyone" (-1) and "my group" (0) reach only
 * processes of the sandbox: the caller's own group delivers to itself, -1 reaches a forked child and nobody else.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int s) { (void)s; usr1 = 1; }
static void on_usr2(int s) { (void)s; usr2 = 1; }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: hostile_pids OUTSIDER\n"); return 2; }
    long outsider = atol(argv[1]);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);

    report("kill_outsider_0", syscall(SYS_kill, outsider, 0));
    report("kill_outsider_term", syscall(SYS_kill, outsider, SIGTERM));
    report("kill_outsider_group", syscall(SYS_kill, -outsider, SIGTERM));
    report("tkill_outsider", syscall(SYS_tkill, outsider, SIGTERM));
    report("tgkill_outsider", syscall(SYS_tgkill, outsider, outsider, SIGTERM));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_code = SI_QUEUE;
    report("sigqueue_outsider", syscall(SYS_rt_sigqueueinfo, outsider, SIGTERM, &info));
    report("tgsigqueue_outsider", syscall(SYS_rt_tgsigqueueinfo, outsider, outsider, SIGTERM, &info));
    report("getpgid_outsider", syscall(SYS_getpgid, outsider));
    report("getsid_outsider", syscall(SYS_getsid, outsider));
    report("getpriority_outsider", syscall(SYS_getpriority, PRIO_PROCESS, outsider));
    struct rlimit old;
    report("prlimit_outsider", syscall(SYS_prlimit64, outsider, RLIMIT_NOFILE, 0, &old));
    report("kill_parent_0", syscall(SYS_kill, getppid(), 0));
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", outsider);
    report("open_outsider_proc_stat", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY));
    snprintf(path, sizeof path, "/proc/%ld", (long)getppid());
    report("open_parent_proc_dir", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY));
    report("kill_everyone_alone", syscall(SYS_kill, -1, SIGTERM));
    report("kill_int_min", syscall(SYS_kill, (long)-2147483647 - 1, SIGTERM));

    report("kill_own_group_usr1", syscall(SYS_kill, 0, SIGUSR1));
    printf("usr1_handled=%d\n", (int)usr1);

    pid_t child = fork();
    if (child == 0) {
        while (!usr2) pause();
        _exit(42);
    }
    report("kill_everyone_usr2", syscall(SYS_kill, -1, SIGUSR2));
    int status = 0;
    waitpid(child, &status, 0);
    printf("child_status=%d parent_usr2=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), (int)usr2);
    report("kill_reaped_child", syscall(SYS_kill, child, 0));
    report("kill_everyone_after", syscall(SYS_kill, -1, 0));
    return 0;
}
