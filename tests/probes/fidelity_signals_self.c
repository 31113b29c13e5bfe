/* Fidelity (issue 11), signals a process sends itself, and sigaltstack. Linux is the oracle.
 *
 *   blocked_raise    SIGUSR1 blocked, then raise() and kill(getpid()): pending, not delivered; delivered once on
 *                    unblock
 *   tgkill_tgid      tgkill with a thread group that is not the caller's (signal 0): ESRCH, never another process
 *   sigaltstack      bad pointers (EFAULT), a too small stack (ENOMEM), and a handler with SA_ONSTACK runs on the
 *                    alternate stack
 *   siginfo          SA_SIGINFO handlers see si_code SI_USER/SI_TKILL/SI_QUEUE, si_pid and si_value
 *   rt_queue         blocked real-time signals queue every instance (with its value), standard ones merge
 *   handler_mask     the handled signal is blocked inside its handler (not with SA_NODEFER); SA_RESETHAND resets
 *   sigtimedwait     takes a blocked pending signal with its siginfo; times out with EAGAIN
 *   ppoll_mask       ppoll's mask unblocks a pending signal for the wait only: EINTR, handler ran, mask restored
 *   exec_pending     a blocked pending signal survives execve and is delivered when the new program unblocks it
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <poll.h>
#include <signal.h>
#include <stdint.h>

static volatile sig_atomic_t count;
static volatile uintptr_t handler_stack;

static void on_usr1(int sig) { (void)sig; count++; }
static volatile int seen_code, seen_pid, seen_value, blocked_inside;
static void on_info(int sig, siginfo_t *info, void *context)
{
    (void)context;
    seen_code = info->si_code;
    seen_pid = info->si_pid == getpid();
    seen_value = info->si_value.sival_int;
    sigset_t now;
    sigprocmask(SIG_BLOCK, 0, &now);
    blocked_inside = sigismember(&now, sig);
    count++;
}

static void install_info(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, 0);
}

static void block(int sig, int how)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(how, &set, 0);
}

static void on_usr2(int sig) { (void)sig; int local; handler_stack = (uintptr_t)&local; count++; }

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "blocked_raise") == 0) {
        signal(SIGUSR1, on_usr1);
        sigset_t set, pending;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, 0);
        report("raise", raise(SIGUSR1));
        report("kill_self", kill(getpid(), SIGUSR1));
        printf("delivered_while_blocked=%d\n", (int)count);
        sigemptyset(&pending);
        sigpending(&pending);
        printf("pending_usr1=%d\n", sigismember(&pending, SIGUSR1));
        sigprocmask(SIG_UNBLOCK, &set, 0);
        printf("delivered_after_unblock=%d\n", (int)count);
        sigemptyset(&pending);
        sigpending(&pending);
        printf("pending_after_unblock=%d\n", sigismember(&pending, SIGUSR1));
    } else if (strcmp(mode, "tgkill_tgid") == 0) {
        report("tgkill_parent_tgid_own_tid", syscall(SYS_tgkill, getppid(), getpid(), 0));
        report("tgkill_own_tgid_parent_tid", syscall(SYS_tgkill, getpid(), getppid(), 0));
        report("tgkill_own", syscall(SYS_tgkill, getpid(), getpid(), 0));
    } else if (strcmp(mode, "sigaltstack") == 0) {
        report("sigaltstack_bad_new", syscall(SYS_sigaltstack, (void *)1, 0));
        report("sigaltstack_bad_old", syscall(SYS_sigaltstack, 0, (void *)1));
        char *small = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        stack_t tiny = { small, 0, 64 };
        report("sigaltstack_too_small", syscall(SYS_sigaltstack, &tiny, 0));
        stack_t bad_flags = { small, 12345, 65536 };
        report("sigaltstack_bad_flags", syscall(SYS_sigaltstack, &bad_flags, 0));
        size_t size = 64 * 1024;
        char *alt = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        stack_t ss = { alt, 0, size };
        report("sigaltstack_good", syscall(SYS_sigaltstack, &ss, 0));
        stack_t old;
        memset(&old, 0, sizeof old);
        syscall(SYS_sigaltstack, 0, &old);
        printf("query sp_ok=%d size=%zu flags=%d\n", old.ss_sp == alt, old.ss_size, old.ss_flags);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr2;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGUSR2, &sa, 0);
        raise(SIGUSR2);
        printf("handler_ran=%d on_altstack=%d\n", (int)count,
               handler_stack >= (uintptr_t)alt && handler_stack < (uintptr_t)alt + size);
    } else if (strcmp(mode, "siginfo") == 0) {
        install_info(SIGUSR1, 0);
        kill(getpid(), SIGUSR1);
        printf("kill code=%d pid_ok=%d\n", seen_code, seen_pid);
        syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
        printf("tgkill code=%d pid_ok=%d\n", seen_code, seen_pid);
        sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 77 });
        printf("sigqueue code=%d pid_ok=%d value=%d count=%d\n", seen_code, seen_pid, seen_value, (int)count);
    } else if (strcmp(mode, "rt_queue") == 0) {
        install_info(SIGRTMIN + 1, 0);
        install_info(SIGUSR1, 0);
        block(SIGRTMIN + 1, SIG_BLOCK);
        block(SIGUSR1, SIG_BLOCK);
        for (int i = 1; i <= 3; i++) sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = i });
        for (int i = 1; i <= 3; i++) kill(getpid(), SIGUSR1);
        block(SIGRTMIN + 1, SIG_UNBLOCK);
        printf("rt delivered=%d last_value=%d\n", (int)count, seen_value);
        count = 0;
        block(SIGUSR1, SIG_UNBLOCK);
        printf("usr1 delivered=%d\n", (int)count);
    } else if (strcmp(mode, "handler_mask") == 0) {
        install_info(SIGUSR1, 0);
        raise(SIGUSR1);
        printf("blocked_inside=%d\n", blocked_inside);
        install_info(SIGUSR1, SA_NODEFER);
        raise(SIGUSR1);
        printf("nodefer blocked_inside=%d\n", blocked_inside);
        install_info(SIGUSR2, SA_RESETHAND);
        raise(SIGUSR2);
        struct sigaction now;
        sigaction(SIGUSR2, 0, &now);
        printf("resethand count=%d reset_to_default=%d\n", (int)count, now.sa_handler == SIG_DFL);
        sigset_t mask;
        sigprocmask(SIG_BLOCK, 0, &mask);
        printf("mask_after usr1=%d usr2=%d\n", sigismember(&mask, SIGUSR1), sigismember(&mask, SIGUSR2));
    } else if (strcmp(mode, "sigtimedwait") == 0) {
        block(SIGUSR2, SIG_BLOCK);
        raise(SIGUSR2);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        siginfo_t info;
        memset(&info, 0, sizeof info);
        struct timespec short_wait = { 0, 100 * 1000 * 1000 };
        report("sigtimedwait_pending", sigtimedwait(&set, &info, &short_wait));
        printf("code=%d pid_ok=%d\n", info.si_code, info.si_pid == getpid());
        report("sigtimedwait_timeout", sigtimedwait(&set, &info, &short_wait));
        struct timespec bad = { 0, 1000000000 };
        report("sigtimedwait_bad_timeout", sigtimedwait(&set, &info, &bad));
    } else if (strcmp(mode, "ppoll_mask") == 0) {
        install_info(SIGUSR1, 0);
        block(SIGUSR1, SIG_BLOCK);
        raise(SIGUSR1);
        sigset_t empty;
        sigemptyset(&empty);
        struct timespec second = { 1, 0 };
        report("ppoll_with_mask", ppoll(0, 0, &second, &empty));
        sigset_t mask;
        sigprocmask(SIG_BLOCK, 0, &mask);
        printf("handler_ran=%d still_blocked=%d\n", (int)count, sigismember(&mask, SIGUSR1));
    } else if (strcmp(mode, "exec_pending") == 0) {
        block(SIGUSR1, SIG_BLOCK);
        kill(getpid(), SIGUSR1);
        char *args[] = { argv[0], "exec_pending_after", 0 };
        execv("/proc/self/exe", args);
        perror("execv");
        return 3;
    } else if (strcmp(mode, "exec_pending_after") == 0) {
        sigset_t pending;
        sigpending(&pending);
        printf("pending_after_exec=%d\n", sigismember(&pending, SIGUSR1));
        signal(SIGUSR1, on_usr1);
        block(SIGUSR1, SIG_UNBLOCK);
        printf("delivered_after_unblock=%d\n", (int)count);
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
