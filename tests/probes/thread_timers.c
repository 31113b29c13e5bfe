/* POSIX timers aimed at one thread (SIGEV_THREAD_ID; Go's CPU profiler makes one per thread on its thread CPU-time
 * clock): the signal reaches the named thread, not whichever thread the process-directed rules would pick.
 *
 *   thread   a worker spins on its CPU-time clock with a SIGEV_THREAD_ID SIGPROF timer aimed at itself while the main
 *            thread waits in a blocking read; each SIGPROF records the receiving thread. Then a timer aimed at the
 *            main thread from the worker, a tid outside the process (EINVAL), timer_delete.
 *   itimer   process-wide CPU-time timers (setitimer ITIMER_PROF and ITIMER_VIRTUAL, and a POSIX timer on
 *            CLOCK_PROCESS_CPUTIME_ID): a worker spins while the main thread sleeps in a blocking read. Linux finds the
 *            expiry in the tick of the running thread and gives it the signal, so every SIGPROF/SIGVTALRM lands on
 *            the worker (Go's profiler samples C threads this way).
 *   pair     two workers spin at once, each with its own SIGEV_THREAD_ID SIGPROF timer on its CPU-time clock every
 *            10 ms, while setitimer(ITIMER_PROF) runs at the same rate: Go's CPU profiler exactly (it counts only
 *            the per-thread timer's signals, si_code SI_TIMER, on a thread that has one). Linux queues each
 *            thread's timer signal on that thread, apart from the process-wide one, so each worker gets about one
 *            SI_TIMER SIGPROF per 10 ms of its CPU time (counted with si_overrun, the expiries merged into one
 *            signal while it was pending, so the count does not depend on how fast signals are taken). A layer that
 *            funnels both through one process-wide pending SIGPROF loses one of every two that coincide without
 *            a trace (runtime/pprof's TestCPUProfileMultithreadMagnitude).
 * Build: musl-gcc -static -O1 (raw syscalls; the sigevent layout is written here). */
#include "probe_common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#define NOTIFY_THREAD_ID 4
#define WANTED_SIGNALS 3

struct raw_sigevent { uint64_t value; int32_t signo, notify, tid; int32_t pad[11]; };

static volatile int worker_tid, main_tid, on_worker, elsewhere;
static int wake[2];

static void on_prof(int signal)
{
    (void)signal;
    if (syscall(SYS_gettid) == worker_tid) on_worker++; else elsewhere++;
}

static long create_timer(int clock, int tid, int *id)
{
    struct raw_sigevent ev = { .signo = SIGPROF, .notify = NOTIFY_THREAD_ID, .tid = tid };
    return syscall(SYS_timer_create, (long)clock, &ev, id);
}

static void *worker(void *unused)
{
    (void)unused;
    worker_tid = syscall(SYS_gettid);
    int id;
    report("timer_create_self", create_timer(CLOCK_THREAD_CPUTIME_ID, worker_tid, &id));
    struct itimerspec every = { { 0, 2000000 }, { 0, 2000000 } };
    report("timer_settime", syscall(SYS_timer_settime, (long)id, 0L, &every, 0L));
    for (volatile unsigned long spin = 0; on_worker < WANTED_SIGNALS && elsewhere == 0; spin++) {
    }
    struct itimerspec off = { 0 };
    syscall(SYS_timer_settime, (long)id, 0L, &off, 0L);
    report("timer_delete", syscall(SYS_timer_delete, (long)id));
    report("timer_delete_again", syscall(SYS_timer_delete, (long)id));

    int other;
    report("timer_create_main_thread", create_timer(CLOCK_MONOTONIC, main_tid, &other));
    syscall(SYS_timer_delete, (long)other);
    report("timer_create_foreign_tid", create_timer(CLOCK_MONOTONIC, 1, &other));
    write(wake[1], "x", 1);
    return NULL;
}

enum { ITIMER_CASE_PROF, ITIMER_CASE_VIRTUAL, ITIMER_CASE_POSIX, ITIMER_CASES };
static const char *const itimer_names[ITIMER_CASES] = { "itimer_prof", "itimer_virtual", "timer_process_cputime" };
static volatile int itimer_case;
static int process_timer;

/* Set while the main thread is (about to be) asleep in its read: a signal it takes before that found it running,
 * which a loaded runner may well do while it is still creating the worker; one it takes in the read is the fault. */
static volatile int main_reading;

static void on_cpu_signal(int signal)
{
    (void)signal;
    if (syscall(SYS_gettid) == worker_tid) on_worker++; else if (main_reading) elsewhere++;
}

static void arm_itimer(int on)
{
    long interval = on ? 2000000 : 0;
    struct itimerval it = { { 0, interval / 1000 }, { 0, interval / 1000 } };
    struct itimerspec ts = { { 0, interval }, { 0, interval } };
    switch (itimer_case) {
    case ITIMER_CASE_PROF: setitimer(ITIMER_PROF, &it, NULL); break;
    case ITIMER_CASE_VIRTUAL: setitimer(ITIMER_VIRTUAL, &it, NULL); break;
    default: syscall(SYS_timer_settime, (long)process_timer, 0L, &ts, 0L); break;
    }
}

static void *cpu_worker(void *unused)
{
    (void)unused;
    worker_tid = syscall(SYS_gettid);
    struct timespec settle = { 0, 100000000 };
    nanosleep(&settle, NULL); /* let the main thread reach its read before the timer counts */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    arm_itimer(1);
    for (unsigned long spin = 0; on_worker < WANTED_SIGNALS && elsewhere == 0; spin++) {
        if ((spin & 0xfffff) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec > 20) break; /* never forever, whatever the runner does */
        }
    }
    arm_itimer(0);
    write(wake[1], "x", 1);
    return NULL;
}

static int itimer_mode(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_cpu_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    sigaction(SIGVTALRM, &sa, NULL);
    pipe(wake);
    struct raw_sigevent ev = { .signo = SIGPROF, .notify = 0 /* SIGEV_SIGNAL */ };
    report("timer_create_process_cputime", syscall(SYS_timer_create, (long)CLOCK_PROCESS_CPUTIME_ID, &ev, &process_timer));
    for (int c = 0; c < ITIMER_CASES; c++) {
        itimer_case = c;
        on_worker = elsewhere = 0;
        pthread_t th;
        pthread_create(&th, NULL, cpu_worker, NULL);
        char ch;
        main_reading = 1;
        long r = read(wake[0], &ch, 1);
        main_reading = 0;
        pthread_join(th, NULL);
        printf("%s read=%ld on_worker_enough=%d elsewhere=%d\n", itimer_names[c], r, on_worker >= WANTED_SIGNALS, elsewhere);
    }
    syscall(SYS_timer_delete, (long)process_timer);
    puts("done");
    return 0;
}

#define PAIR_WORKERS 2
#define PAIR_INTERVAL_NS 10000000L
#define PAIR_CPU_NS 400000000L
#define PAIR_ENOUGH 35 /* of about 40 */
#define SIGNAL_CODE_TIMER (-2) /* SI_TIMER */

static volatile int pair_tid[PAIR_WORKERS], pair_count[PAIR_WORKERS], pair_elsewhere, pair_ready;

static void on_pair_prof(int signal, siginfo_t *info, void *context)
{
    (void)signal;
    (void)context;
    if (info->si_code != SIGNAL_CODE_TIMER) return; /* setitimer's: Go ignores them on a thread with its own timer */
    int self = syscall(SYS_gettid);
    for (int i = 0; i < PAIR_WORKERS; i++) {
        if (self == pair_tid[i]) {
            pair_count[i] += 1 + info->si_overrun; /* expiries merged while one was pending count too */
            return;
        }
    }

    pair_elsewhere++;
}

static long thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *pair_worker(void *arg)
{
    int index = (int)(intptr_t)arg;
    pair_tid[index] = syscall(SYS_gettid);
    int id;
    long created = create_timer(CLOCK_THREAD_CPUTIME_ID, pair_tid[index], &id);
    __atomic_add_fetch(&pair_ready, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&pair_ready, __ATOMIC_SEQ_CST) < PAIR_WORKERS) {
    }

    struct itimerspec every = { { 0, PAIR_INTERVAL_NS }, { 0, PAIR_INTERVAL_NS } };
    long armed = syscall(SYS_timer_settime, (long)id, 0L, &every, 0L);
    long start = thread_cpu_ns();
    struct timespec wall0, wall;
    clock_gettime(CLOCK_MONOTONIC, &wall0);
    for (unsigned long spin = 0;; spin++) {
        if ((spin & 0xffff) == 0) {
            if (thread_cpu_ns() - start >= PAIR_CPU_NS) break;
            clock_gettime(CLOCK_MONOTONIC, &wall);
            if (wall.tv_sec - wall0.tv_sec > 30) break; /* never forever, whatever the runner does */
        }
    }

    struct itimerspec off = { 0 };
    syscall(SYS_timer_settime, (long)id, 0L, &off, 0L);
    syscall(SYS_timer_delete, (long)id);
    return (void *)(intptr_t)(created == 0 && armed == 0);
}

static int pair_mode(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_pair_prof;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval process_wide = { { 0, PAIR_INTERVAL_NS / 1000 }, { 0, PAIR_INTERVAL_NS / 1000 } };
    report("setitimer_prof", setitimer(ITIMER_PROF, &process_wide, NULL));
    pthread_t th[PAIR_WORKERS];
    for (int i = 0; i < PAIR_WORKERS; i++) pthread_create(&th[i], NULL, pair_worker, (void *)(intptr_t)i);
    for (int i = 0; i < PAIR_WORKERS; i++) {
        void *ok;
        pthread_join(th[i], &ok);
        printf("worker%d timers_ok=%d enough=%d\n", i, (int)(intptr_t)ok, pair_count[i] >= PAIR_ENOUGH);
    }

    struct itimerval off = { 0 };
    setitimer(ITIMER_PROF, &off, NULL);
    printf("elsewhere=%d\n", pair_elsewhere);
    puts("done");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "itimer") == 0) return itimer_mode();
    if (strcmp(mode, "pair") == 0) return pair_mode();
    if (strcmp(mode, "thread") != 0) {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }

    main_tid = syscall(SYS_gettid);
    struct sigaction sa = { 0 };
    sa.sa_handler = on_prof;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    pipe(wake);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    char c;
    report("main_read", read(wake[0], &c, 1));
    pthread_join(th, NULL);
    printf("on_worker_enough=%d elsewhere=%d\n", on_worker >= WANTED_SIGNALS, elsewhere);
    puts("done");
    return 0;
}
