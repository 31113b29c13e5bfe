/* Process state that crosses fork and execve, and the answers of the process/limit syscalls (the hand-off helper's
 * files): resource limits set by the guest are inherited by a fork child and survive execve; waitid reports a child's
 * exit in siginfo and leaves the rest of the buffer alone; syscall numbers are taken as an int.
 *
 *   process_state limits    setrlimit, then getrlimit in a fork child and after an execve of this program
 *   process_state waitid    waitid answers (P_PID, P_ALL, WNOHANG, NULL infop, bad idtype/options)
 *   process_state numbers   syscall numbers with upper bits set
 * Linux is the oracle. Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long ret)
{
    printf("%s ret=%ld errno=%d\n", name, ret, ret < 0 ? errno : 0);
    errno = 0;
}

static void show_limits(const char *who)
{
    struct rlimit core, fsize;
    getrlimit(RLIMIT_CORE, &core);
    getrlimit(RLIMIT_FSIZE, &fsize);
    printf("%s core=%llu/%llu fsize_cur=%llu\n", who, (unsigned long long)core.rlim_cur, (unsigned long long)core.rlim_max,
           (unsigned long long)fsize.rlim_cur);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "show") == 0) {
        show_limits("after_execve");
        return 0;
    }
    if (strcmp(mode, "limits") == 0) {
        struct rlimit core = { 4096, 8192 }, fsize = { 1 << 20, RLIM_INFINITY };
        report("setrlimit_core", setrlimit(RLIMIT_CORE, &core));
        report("setrlimit_fsize", setrlimit(RLIMIT_FSIZE, &fsize));
        struct rlimit raise = { 0, 16384 };
        report("raise_hard_core", setrlimit(RLIMIT_CORE, &raise) == 0 || errno == EPERM ? 0 : -1);
        struct rlimit back = { 4096, 8192 };
        setrlimit(RLIMIT_CORE, &back);
        show_limits("parent");
        struct rlimit old;
        report("prlimit_self_pid", syscall(SYS_prlimit64, getpid(), RLIMIT_CORE, 0, &old));
        printf("prlimit_self core=%llu/%llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
        pid_t c = fork();
        if (c == 0) {
            show_limits("fork_child");
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        char *args[] = { argv[0], "show", 0 };
        execv(argv[0], args);
        printf("execv errno=%d\n", errno);
        return 1;
    }
    if (strcmp(mode, "waitid") == 0) {
        pid_t c = fork();
        if (c == 0) _exit(7);
        siginfo_t si;
        memset(&si, 0x5a, sizeof si);
        long r = syscall(SYS_waitid, P_PID, c, &si, WEXITED, 0);
        printf("waitid_pid ret=%ld signo=%d code=%d status=%d pid_ok=%d tail=%02x\n", r, si.si_signo, si.si_code, si.si_status,
               si.si_pid == c, ((unsigned char *)&si)[100]);
        memset(&si, 0x5a, sizeof si);
        r = syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, 0);
        printf("waitid_none ret=%ld errno=%d\n", r, r < 0 ? errno : 0);
        c = fork();
        if (c == 0) _exit(3);
        report("waitid_null_info", syscall(SYS_waitid, P_PID, c, 0, WEXITED, 0));
        report("waitid_idtype_99", syscall(SYS_waitid, 99, 0, &si, WEXITED, 0));
        report("waitid_no_options", syscall(SYS_waitid, P_ALL, 0, &si, 0, 0));
        report("waitid_options_all", syscall(SYS_waitid, P_ALL, 0, &si, -1L, 0));
        report("waitid_missing_pid", syscall(SYS_waitid, P_PID, 0x7ffffff0, &si, WEXITED, 0));
        return 0;
    }
    if (strcmp(mode, "numbers") == 0) {
        long pid = getpid();
        report("nr_high_bit_32", syscall((1L << 32) + SYS_getpid) == pid ? 0 : -1);
        report("nr_all_upper", syscall((long)(0xffffffff00000000UL + SYS_getpid)) == pid ? 0 : -1);
        report("nr_bit_63", syscall((long)((1UL << 63) + SYS_getpid)) == pid ? 0 : -1);
        report("nr_x32_bit", syscall(0x40000000L + SYS_getpid));
        report("nr_bit_31", syscall(0x80000000L + SYS_getpid));
        report("nr_minus_1", syscall(-1L));
        report("nr_first_unknown", syscall(1000L));
        return 0;
    }
    fprintf(stderr, "usage: process_state limits|waitid|numbers\n");
    return 2;
}
