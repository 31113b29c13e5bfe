/* Fidelity (issue 11), signals that come from another process or from a timer. Each mode prints what the guest saw;
 * Linux is the oracle (same output, same exit status). The test runs every mode under a hard time limit.
 *
 *   kill_from_child    a child sends SIGTERM to its parent, which has a handler: the handler runs, the parent lives
 *   ign_hup            SIGHUP ignored, sent by a child: the parent lives
 *   sigchld_eintr      SIGCHLD (handler without SA_RESTART) interrupts a blocking pipe read: EINTR
 *   sigchld_restart    the same with SA_RESTART: the read restarts and returns the byte the handler wrote
 *   alarm              alarm(1) interrupts a blocking read: EINTR, the handler ran
 *   pause              alarm(1) then pause(): -1 EINTR
 *   itimer             setitimer(ITIMER_REAL, 1 s) interrupts a blocking read (1 s, so a loaded machine does not fire it before the read blocks)
 *   futex_timeout      FUTEX_WAIT with a 200 ms timeout on a matching value: ETIMEDOUT after the timeout
 *   xmm_preserved      a 1 ms interval timer interrupts a floating-point loop whose handler clobbers the SSE
 *                      registers: the loop's result is exact (the frame saves and restores the vector state)
 *   preempted_chain    a 500 us interval timer and a child that keeps sending SIGUSR1 interrupt integer code that
 *                      runs through many distinct, chained basic blocks, and a loop of lseek calls through musl's
 *                      syscall() (which shuffles its arguments between registers): the result equals the same
 *                      computation run with the signals blocked and every lseek returns its offset (an interrupted
 *                      run resumes at the exact instruction; no instruction runs twice)
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE 128
#endif

static volatile sig_atomic_t handled;
static int pipe_fds[2];

static void on_signal(int sig) { handled = sig; }
static void on_chld_write(int sig) { handled = sig; write(pipe_fds[1], "x", 1); }

static void install(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, 0);
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) { }
}

static void wait_child(pid_t c)
{
    int status;
    while (waitpid(c, &status, 0) < 0 && errno == EINTR) { }
    printf("child exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void kill_parent_with(int sig)
{
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { _exit(kill(parent, sig) == 0 ? 0 : 1); }
    wait_child(c);
    for (int i = 0; i < 200 && !handled; i++) sleep_ms(10);
}

static volatile long ticks;
static void on_tick(int sig)
{
    (void)sig;
    volatile double a = 3.25, b = 7.5;
    double c = a * b, d = c / a + b, e = d * d - c;
    a = e;
    ticks++;
}

static volatile long usr1s;
static void on_usr1(int sig) { (void)sig; usr1s++; }

/* Integer work through several data-dependent branches, so that the loop is a chain of distinct translated blocks;
 * each block changes a register in a way that running it twice would show. */
static unsigned long chained_blocks(unsigned long n)
{
    unsigned long a = 1, b = 2, c = 3;
    for (unsigned long i = 0; i < n; i++) {
        a = a * 6364136223846793005UL + 1442695040888963407UL;
        if (a & 0x100) b += a >> 7; else b ^= a << 3;
        if (a & 0x2000) c = c * 31 + b; else c -= b >> 2;
        if ((b ^ c) & 0x40000) { c += i; b = (b << 1) | (b >> 63); }
        __asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c));
    }
    return a ^ b ^ c;
}

static void blocking_read(const char *label)
{
    char b;
    report(label, syscall(SYS_read, pipe_fds[0], &b, 1));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    pipe(pipe_fds);
    if (strcmp(mode, "kill_from_child") == 0) {
        install(SIGTERM, on_signal, 0);
        kill_parent_with(SIGTERM);
        printf("term_handler_ran=%d\n", handled == SIGTERM);
    } else if (strcmp(mode, "ign_hup") == 0) {
        signal(SIGHUP, SIG_IGN);
        kill_parent_with(SIGHUP);
        sleep_ms(200);
        printf("alive after ignored HUP\n");
    } else if (strcmp(mode, "sigchld_eintr") == 0 || strcmp(mode, "sigchld_restart") == 0) {
        install(SIGCHLD, on_chld_write, strcmp(mode, "sigchld_restart") == 0 ? SA_RESTART : 0);
        pid_t c = fork();
        if (c == 0) { sleep_ms(300); _exit(3); }
        blocking_read("read_during_child_exit");
        printf("chld_handler_ran=%d\n", handled == SIGCHLD);
        if (strcmp(mode, "sigchld_eintr") == 0) blocking_read("read_after_handler");
        wait_child(c);
    } else if (strcmp(mode, "alarm") == 0) {
        install(SIGALRM, on_signal, 0);
        report("alarm_first", alarm(1));
        blocking_read("read_until_alarm");
        printf("alrm_handler_ran=%d\n", handled == SIGALRM);
    } else if (strcmp(mode, "pause") == 0) {
        install(SIGALRM, on_signal, 0);
        alarm(1);
        report("pause", syscall(SYS_pause));
        printf("alrm_handler_ran=%d\n", handled == SIGALRM);
    } else if (strcmp(mode, "itimer") == 0) {
        install(SIGALRM, on_signal, 0);
        struct itimerval it = { { 0, 0 }, { 1, 0 } };
        report("setitimer", setitimer(ITIMER_REAL, &it, 0));
        blocking_read("read_until_itimer");
        printf("alrm_handler_ran=%d\n", handled == SIGALRM);
    } else if (strcmp(mode, "futex_timeout") == 0) {
        static int word = 0;
        struct timespec timeout = { 0, 200 * 1000 * 1000 }, before, after;
        clock_gettime(CLOCK_MONOTONIC, &before);
        report("futex_wait_200ms", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &timeout, 0, 0));
        clock_gettime(CLOCK_MONOTONIC, &after);
        long waited_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
        printf("waited_at_least_the_timeout=%d\n", waited_ms >= 190);
        report("futex_wait_value_differs", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &timeout, 0, 0));
    } else if (strcmp(mode, "xmm_preserved") == 0) {
        install(SIGALRM, on_tick, SA_RESTART);
        struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
        setitimer(ITIMER_REAL, &it, 0);
        double acc = 0, step = 0.5;
        long i;
        for (i = 0; i < 20000000 && ticks < 50; i++) {
            acc += step;
            __asm__ volatile("" : "+x"(acc), "+x"(step));
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, 0);
        printf("ticked=%d exact=%d\n", ticks > 0, acc == 0.5 * (double)i);
    } else if (strcmp(mode, "preempted_chain") == 0) {
        const unsigned long n = 400000;
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        unsigned long expected = chained_blocks(n);
        sigprocmask(SIG_SETMASK, &old, 0);
        install(SIGALRM, on_tick, SA_RESTART);
        install(SIGUSR1, on_usr1, SA_RESTART);
        pid_t parent = getpid();
        pid_t c = fork();
        if (c == 0) {
            for (int k = 0; k < 2000 && kill(parent, SIGUSR1) == 0; k++) sleep_ms(1);
            _exit(0);
        }
        struct itimerval it = { { 0, 500 }, { 0, 500 } };
        setitimer(ITIMER_REAL, &it, 0);
        int runs = 0, exact = 1;
        int fd = open("/proc/self/exe", O_RDONLY); /* a regular file: lseek returns the offset */
        long calls = 0, wrong = 0;
        do {
            exact &= chained_blocks(n) == expected;
            for (long k = 1; k <= 20000; k++, calls++)
                if (syscall(SYS_lseek, fd, k, SEEK_SET) != k) wrong++;
            runs++;
        } while (runs < 200 && (ticks < 20 || usr1s < 20));
        exact &= wrong == 0;
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, 0);
        kill(c, SIGKILL);
        while (waitpid(c, 0, 0) < 0 && errno == EINTR) { }
        printf("interrupted=%d exact=%d\n", ticks > 0 && usr1s > 0, exact);
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
