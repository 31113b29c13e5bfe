/* POSIX timers aimed at one thread (SIGEV_THREAD_ID; Go's CPU profiler makes one per thread on its thread CPU-time
 * clock): the signal reaches the named thread, not whichever thread the process-directed rules would pick.
 *
 *   thread   a worker spins on its CPU-time clock with a SIGEV_THREAD_ID SIGPROF timer aimed at itself while the main
 *            thread waits in a blocking read; each SIGPROF records the receiving thread. Then a timer aimed at the
 *            main thread from the worker, a tid outside the process (EINVAL), timer_delete.
 * Build: musl-gcc -static -O1 (raw syscalls; the sigevent layout is written here). */
#include "probe_common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
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

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
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
