/* Output structs into NULL and read-only memory, NULL wait4 status, pipes and execve with bad arguments. */
#include "probe_common.h"
#include <time.h>
#include <sys/utsname.h>
#include <sys/wait.h>

int main(void)
{
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *page = page_then_hole();
    report("clock_gettime_null", syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL));
    report("clock_gettime_readonly", syscall(SYS_clock_gettime, CLOCK_REALTIME, ro));
    report("clock_gettime_straddling", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, page + 4096 - 8));
    report("uname_null", syscall(SYS_uname, NULL));
    report("uname_readonly", syscall(SYS_uname, ro));
    report("gettimeofday_readonly", syscall(SYS_gettimeofday, ro, NULL));
    report("pipe2_readonly", syscall(SYS_pipe2, ro, 0));
    report("pipe2_bad_flags", syscall(SYS_pipe2, page, 0x12345));
    report("sysinfo_null", syscall(SYS_sysinfo, NULL));
    report("getrandom_readonly", syscall(SYS_getrandom, ro, 16, 0));
    report("rt_sigaction_bad_size", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
    report("rt_sigaction_bad_act", syscall(SYS_rt_sigaction, SIGUSR1, (void *)0x10, NULL, 8));
    report("rt_sigaction_sigkill", syscall(SYS_rt_sigaction, SIGKILL, page, NULL, 8));

    pid_t pid = fork();
    if (pid == 0) _exit(42);
    long w = syscall(SYS_wait4, pid, NULL, 0, NULL);
    report("wait4_null_status_matches_pid", w == pid ? 0 : -1);
    pid = fork();
    if (pid == 0) _exit(7);
    report("wait4_status_readonly", syscall(SYS_wait4, pid, ro, 0, NULL) == -1 ? -1 : 0);
    int status = 0;
    /* the child was reaped or not, depending on where the status fault is seen: reap it either way */
    syscall(SYS_wait4, -1, &status, 0, NULL);
    pid = fork();
    if (pid == 0) _exit(9);
    syscall(SYS_wait4, pid, &status, 0, NULL);
    report("wait4_exit_status", WEXITSTATUS(status));
    report("wait4_no_children", syscall(SYS_wait4, -1, NULL, 0, NULL));

    char *bad_argv[] = { "/bin/true", (char *)0x10, NULL };
    report("execve_bad_argv_element", syscall(SYS_execve, "/bin/busybox", bad_argv, NULL));
    report("execve_bad_argv_array", syscall(SYS_execve, "/bin/busybox", (void *)0x10, NULL));
    char *huge = malloc(200000);
    memset(huge, 'z', 199999);
    huge[199999] = 0;
    char *big_argv[] = { "busybox", huge, NULL };
    report("execve_arg_too_long", syscall(SYS_execve, "/bin/busybox", big_argv, NULL));
    char *ok_argv[] = { "busybox", NULL };
    report("execve_missing_file", syscall(SYS_execve, "/nonexistent/prog", ok_argv, NULL));
    report("execve_path_into_hole", syscall(SYS_execve, page + 4096 - 2, ok_argv, NULL));
    report("execve_directory", syscall(SYS_execve, "/tmp", ok_argv, NULL));
    return 0;
}
