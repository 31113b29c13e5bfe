/* Fidelity (issue 11), signals a process sends itself, and sigaltstack. Linux is the oracle.
 *
 *   blocked_raise    SIGUSR1 blocked, then raise() and kill(getpid()): pending, not delivered; delivered once on
 *                    unblock
 *   tgkill_tgid      tgkill with a thread group that is not the caller's (signal 0): ESRCH, never another process
 *   sigaltstack      bad pointers (EFAULT), a too small stack (ENOMEM), and a handler with SA_ONSTACK runs on the
 *                    alternate stack
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <signal.h>
#include <stdint.h>

static volatile sig_atomic_t count;
static volatile uintptr_t handler_stack;

static void on_usr1(int sig) { (void)sig; count++; }
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
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
