/* POSIX timers whose signal the runner cannot forward as itself (stress-ng's timer and epoll stressors use glibc's
 * SIGRTMIN, 34, which the .NET runtime keeps; glibc's SIGEV_THREAD uses 32; SIGSEGV is the runtime's too):
 * timer_create must accept them and the guest must get exactly that signal, with SI_TIMER and its value. A fast
 * timer's signal is pending at most once (further expiries are overruns), and a deleted timer's signal never arrives
 * as anything else. Raw system calls and masks: the C libraries refuse their own internal signals. */
#include "probe_common.h"
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define FAST_PERIOD_NS 1000
#define SLOW_PERIOD_NS 2000000
#define RUN_NS 20000000
#define VALUE 0x5eed
#define KERNEL_SIGSET_SIZE 8

static uint64_t bit(int sig) { return 1ULL << (sig - 1); }

static long block(uint64_t mask) { return syscall(SYS_rt_sigprocmask, SIG_BLOCK, &mask, NULL, KERNEL_SIGSET_SIZE); }
static long unblock(uint64_t mask) { return syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &mask, NULL, KERNEL_SIGSET_SIZE); }

static long wait_for(uint64_t mask, siginfo_t *si, long timeout_ns)
{
    struct timespec ts = { timeout_ns / 1000000000L, timeout_ns % 1000000000L };
    return syscall(SYS_rt_sigtimedwait, &mask, si, &ts, KERNEL_SIGSET_SIZE);
}

static long make_timer(int sig, long period_ns, int *id)
{
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig };
    ev.sigev_value.sival_int = VALUE;
    long r = syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, id);
    if (r == 0) {
        struct itimerspec its = { .it_value = { 0, period_ns }, .it_interval = { 0, period_ns } };
        syscall(SYS_timer_settime, *id, 0, &its, NULL);
    }
    return r;
}

static void sleep_ns(long ns)
{
    struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
    while (nanosleep(&ts, &ts) < 0) { }
}

int main(void)
{
    int signals[] = { 32, 33, 34, 35, SIGUSR1, SIGSEGV, 64 };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        int sig = signals[i], id = 0;
        block(bit(sig));
        long r = make_timer(sig, SLOW_PERIOD_NS, &id);
        printf("create sig=%d ret=%ld\n", sig, r);
        if (r != 0) continue;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        long got = wait_for(bit(sig), &si, 1000000000L);
        syscall(SYS_timer_delete, id);
        while (wait_for(bit(sig), &si, 0) > 0) { } /* one that fired before the delete */
        printf("delivered sig=%d got=%ld code_is_timer=%d value_ok=%d\n", sig, got, si.si_code == SI_TIMER, si.si_value.sival_int == VALUE);
        fflush(stdout);
    }

    /* a 1 us timer on a blocked signal: its expiries while the signal is pending are overruns of that one */
    int id = 0;
    make_timer(34, FAST_PERIOD_NS, &id);
    sleep_ns(RUN_NS);
    siginfo_t si;
    long first = wait_for(bit(34), &si, 0);
    printf("fast first=%ld overrun_positive=%d\n", first, first == 34 && si.si_overrun > 0);
    syscall(SYS_timer_delete, id);
    while (wait_for(bit(34), &si, 0) > 0) { }

    /* a deleted fast timer leaves nothing behind that could kill the process: 34 and 64 keep their default action
     * (terminate) once unblocked */
    make_timer(34, FAST_PERIOD_NS, &id);
    sleep_ns(SLOW_PERIOD_NS);
    syscall(SYS_timer_delete, id);
    while (wait_for(bit(34), &si, 0) > 0) { }
    unblock(bit(34) | bit(64));
    sleep_ns(SLOW_PERIOD_NS);
    printf("done\n");
    return 0;
}
