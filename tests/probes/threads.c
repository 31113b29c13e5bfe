/* Threads (issue 14): pthreads and raw futexes, with output that does not depend on scheduling, so a native run and
 * a run under usermem-run print the same bytes. Modes:
 *   stress       mutex + condition variable + barrier across 8 threads
 *   join         return values through pthread_join, pthread_exit, a detached thread, gettid distinct from getpid
 *   cancel       pthread_cancel of a thread blocked in read() and of one in pthread_cond_wait
 *   signal       pthread_kill to one thread (its handler runs on that thread), a process-directed signal goes to the
 *                thread that does not block it, tgkill with a wrong tgid is ESRCH
 *   pingpong     two threads hand a raw futex word back and forth
 *   futex        futex answers: EAGAIN, ETIMEDOUT (relative and absolute), EINVAL (misaligned), EFAULT (unmapped),
 *                the WAKE count, CMP_REQUEUE, WAKE_OP, bad op
 *   munmap_read  one thread unmaps the buffer another thread's read() from a pipe is about to fill
 *   exit_group   exit() from a thread while others block ends the process with its status
 *   main_exit    the main thread leaves with pthread_exit; the last thread ends the process
 *   exec         a thread (not the main one) calls execve while others block; the new program has the same pid
 *   fork         a thread forks while others block; the child has only that thread and its memory
 *   robust       a thread exits holding a robust mutex: the next locker gets EOWNERDEAD
 *   shootdown    a thread keeps reading a page while another unmaps it (or takes its read permission): once munmap or
 *                mprotect returned, the reader's next access faults (no stale translation survives on another CPU)
 *   parallel_mmap 8 threads map, fill and unmap at once: no mmap fails, every fresh page reads zero
 *   many         500 threads alive at once (all wait at one barrier), then joined: none fails to start
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h> is not part of musl's headers: the ABI values. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

/* Never mapped: below every mmap_min_addr. */
#define UNMAPPED ((void *)0x1000)

#define THREADS 8
#define ROUNDS 2000

static long futex(void *addr, int op, unsigned val, const struct timespec *ts, void *addr2, unsigned val3)
{
    long r = syscall(SYS_futex, addr, op, val, ts, addr2, val3);
    return r < 0 ? -errno : r;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAILED: %s\n", what);
        fflush(stdout);
        exit(1);
    }
}

/* ---- stress ---- */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_turn = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t s_barrier;
static long s_counter;
static int s_next;
static int s_order[THREADS * 4];
static int s_ordered;

static void *stress_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&s_lock);
        s_counter += id + 1;
        pthread_mutex_unlock(&s_lock);
    }
    pthread_barrier_wait(&s_barrier);
    /* take turns in id order, four times around, through the condition variable */
    for (int lap = 0; lap < 4; lap++) {
        pthread_mutex_lock(&s_lock);
        while (s_next != id)
            pthread_cond_wait(&s_turn, &s_lock);
        s_order[s_ordered++] = id;
        s_next = (s_next + 1) % THREADS;
        pthread_cond_broadcast(&s_turn);
        pthread_mutex_unlock(&s_lock);
    }
    pthread_barrier_wait(&s_barrier);
    return NULL;
}

static void stress(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&s_barrier, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        check(pthread_create(&t[i], NULL, stress_worker, (void *)(intptr_t)i) == 0, "pthread_create");
    for (int i = 0; i < THREADS; i++)
        check(pthread_join(t[i], NULL) == 0, "pthread_join");
    long expected = 0;
    for (int i = 0; i < THREADS; i++)
        expected += (long)(i + 1) * ROUNDS;
    printf("counter %ld (expected %ld)\n", s_counter, expected);
    printf("order");
    for (int i = 0; i < s_ordered; i++)
        printf(" %d", s_order[i]);
    printf("\n");
}

/* ---- join ---- */
static pid_t s_tids[THREADS];

static void *join_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    s_tids[id] = (pid_t)syscall(SYS_gettid);
    if (id % 2)
        pthread_exit((void *)(intptr_t)(id * 10 + 1));
    return (void *)(intptr_t)(id * 10);
}

static volatile int s_detached_ran;

static void *detached_worker(void *arg)
{
    (void)arg;
    s_detached_ran = 1;
    return NULL;
}

static void join(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        check(pthread_create(&t[i], NULL, join_worker, (void *)(intptr_t)i) == 0, "pthread_create");
    for (int i = 0; i < THREADS; i++) {
        void *r;
        check(pthread_join(t[i], &r) == 0, "pthread_join");
        printf("thread %d returned %ld\n", i, (long)(intptr_t)r);
    }
    int distinct = 1;
    for (int i = 0; i < THREADS; i++) {
        if (s_tids[i] == getpid() || s_tids[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (s_tids[i] == s_tids[j])
                distinct = 0;
    }
    printf("tids distinct from each other and from the pid: %s\n", distinct ? "yes" : "no");
    printf("main gettid == getpid: %s\n", syscall(SYS_gettid) == getpid() ? "yes" : "no");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    check(pthread_create(&d, &attr, detached_worker, NULL) == 0, "pthread_create detached");
    while (!s_detached_ran)
        sched_yield();
    printf("detached thread ran\n");
}

/* ---- cancel ---- */
static int s_pipe[2];
static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_never = PTHREAD_COND_INITIALIZER;
static volatile int s_cleanups;

static void cleanup(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&s_cleanups, 1, __ATOMIC_SEQ_CST);
}

static void cleanup_unlock(void *arg)
{
    cleanup(arg);
    pthread_mutex_unlock(&c_lock);
}

static void *blocked_reader(void *arg)
{
    (void)arg;
    char c;
    pthread_cleanup_push(cleanup, NULL);
    for (;;)
        (void)read(s_pipe[0], &c, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *blocked_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&c_lock);
    pthread_cleanup_push(cleanup_unlock, NULL);
    for (;;)
        pthread_cond_wait(&c_never, &c_lock);
    pthread_cleanup_pop(0);
    return NULL;
}

static void cancel(void)
{
    check(pipe(s_pipe) == 0, "pipe");
    pthread_t a, b;
    check(pthread_create(&a, NULL, blocked_reader, NULL) == 0, "pthread_create");
    check(pthread_create(&b, NULL, blocked_waiter, NULL) == 0, "pthread_create");
    usleep(20000);
    check(pthread_cancel(a) == 0, "pthread_cancel reader");
    check(pthread_cancel(b) == 0, "pthread_cancel waiter");
    void *ra, *rb;
    check(pthread_join(a, &ra) == 0, "join reader");
    check(pthread_join(b, &rb) == 0, "join waiter");
    printf("reader canceled: %s\n", ra == PTHREAD_CANCELED ? "yes" : "no");
    printf("waiter canceled: %s\n", rb == PTHREAD_CANCELED ? "yes" : "no");
    printf("cleanup handlers run: %d\n", s_cleanups);
    pthread_mutex_lock(&c_lock); /* the waiter's cleanup released it */
    pthread_mutex_unlock(&c_lock);
    printf("mutex free again\n");
}

/* ---- signal ---- */
static volatile pid_t s_handled_on;
static volatile int s_handled_signal;
static volatile int s_ready;
static volatile int s_stop;

static void on_signal(int sig)
{
    s_handled_on = (pid_t)syscall(SYS_gettid);
    s_handled_signal = sig;
}

static void *signal_target(void *arg)
{
    pid_t *tid = arg;
    *tid = (pid_t)syscall(SYS_gettid);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &block, NULL); /* this thread takes SIGUSR2; main blocks it */
    __atomic_store_n(&s_ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&s_stop, __ATOMIC_SEQ_CST))
        usleep(1000);
    return NULL;
}

static void signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &block, NULL);

    pid_t tid = 0;
    pthread_t t;
    check(pthread_create(&t, NULL, signal_target, &tid) == 0, "pthread_create");
    while (!__atomic_load_n(&s_ready, __ATOMIC_SEQ_CST))
        usleep(1000);

    s_handled_on = 0;
    check(pthread_kill(t, SIGUSR1) == 0, "pthread_kill");
    while (s_handled_on == 0)
        usleep(1000);
    printf("pthread_kill SIGUSR1 handled on the target thread: %s\n", s_handled_on == tid ? "yes" : "no");

    s_handled_on = 0;
    check(kill(getpid(), SIGUSR2) == 0, "kill");
    while (s_handled_on == 0)
        usleep(1000);
    printf("process-directed SIGUSR2 handled on the thread that does not block it: %s\n", s_handled_on == tid ? "yes" : "no");

    long r = syscall(SYS_tgkill, getpid() + 1000000, tid, SIGUSR1);
    printf("tgkill with a wrong tgid: %s\n", r == -1 && errno == ESRCH ? "ESRCH" : "other");
    r = syscall(SYS_tgkill, getpid(), tid, 0);
    printf("tgkill signal 0 to a live thread: %ld\n", r);

    /* (tgkill to a joined thread is not asked: on a loaded Linux the joiner can run before the exiting thread is
     * unhashed, so even natively the answer varies.) */
    __atomic_store_n(&s_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
}

/* ---- pingpong ---- */
static uint32_t s_ball;
#define PINGS 2000

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < PINGS; i++) {
        while (__atomic_load_n(&s_ball, __ATOMIC_SEQ_CST) != 1)
            futex(&s_ball, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        __atomic_store_n(&s_ball, 0, __ATOMIC_SEQ_CST);
        futex(&s_ball, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    return NULL;
}

static void pingpong(void)
{
    pthread_t t;
    check(pthread_create(&t, NULL, ponger, NULL) == 0, "pthread_create");
    for (int i = 0; i < PINGS; i++) {
        __atomic_store_n(&s_ball, 1, __ATOMIC_SEQ_CST);
        futex(&s_ball, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        while (__atomic_load_n(&s_ball, __ATOMIC_SEQ_CST) != 0)
            futex(&s_ball, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
    }
    pthread_join(t, NULL);
    printf("%d round trips\n", PINGS);
}

/* ---- futex answers ---- */
static uint32_t s_word;
static uint32_t s_word2;
static volatile int s_waiting;

static void *word_waiter(void *arg)
{
    uint32_t *word = arg;
    __atomic_add_fetch(&s_waiting, 1, __ATOMIC_SEQ_CST);
    while (futex(word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -EINTR) {
    }
    __atomic_sub_fetch(&s_waiting, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void start_waiters(pthread_t *t, int n, uint32_t *word)
{
    for (int i = 0; i < n; i++)
        check(pthread_create(&t[i], NULL, word_waiter, word) == 0, "pthread_create");
    while (__atomic_load_n(&s_waiting, __ATOMIC_SEQ_CST) < n)
        usleep(1000);
    usleep(30000); /* let them reach the kernel */
}

static void futex_answers(void)
{
    struct timespec rel = {0, 2000000};
    printf("WAIT on a changed value: %ld\n", futex(&s_word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
    printf("WAIT with a relative timeout: %ld\n", futex(&s_word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    now.tv_nsec += 2000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    printf("WAIT_BITSET with an absolute timeout: %ld\n", futex(&s_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &now, NULL, FUTEX_BITSET_MATCH_ANY));
    clock_gettime(CLOCK_REALTIME, &now);
    printf("WAIT_BITSET on CLOCK_REALTIME in the past: %ld\n", futex(&s_word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &now, NULL, FUTEX_BITSET_MATCH_ANY));
    printf("WAIT with CLOCK_REALTIME: %ld\n", futex(&s_word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rel, NULL, 0));
    printf("WAIT_BITSET with bitset 0: %ld\n", futex(&s_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &rel, NULL, 0));
    printf("WAIT misaligned: %ld\n", futex((char *)&s_word + 1, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("WAIT on a PROT_NONE page: %ld\n", futex(none, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    printf("WAIT on an unmapped page: %ld\n", futex(UNMAPPED, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    printf("WAIT on NULL: %ld\n", futex(NULL, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    printf("WAIT with a bad timeout pointer: %ld\n", futex(&s_word, FUTEX_WAIT_PRIVATE, 0, (void *)16, NULL, 0));
    struct timespec bad = {0, 1000000000};
    printf("WAIT with tv_nsec = 1e9: %ld\n", futex(&s_word, FUTEX_WAIT_PRIVATE, 0, &bad, NULL, 0));
    printf("WAKE with nobody waiting: %ld\n", futex(&s_word, FUTEX_WAKE_PRIVATE, 5, NULL, NULL, 0));
    printf("WAKE misaligned: %ld\n", futex((char *)&s_word + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    printf("WAKE shared on an unmapped page: %ld\n", futex(UNMAPPED, FUTEX_WAKE, 1, NULL, NULL, 0));
    printf("unknown op: %ld\n", futex(&s_word, 99, 0, NULL, NULL, 0));

    pthread_t t[3];
    start_waiters(t, 3, &s_word);
    printf("WAKE 2 of 3 waiters: %ld\n", futex(&s_word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0));
    while (__atomic_load_n(&s_waiting, __ATOMIC_SEQ_CST) > 1)
        usleep(1000);
    printf("WAKE the last: %ld\n", futex(&s_word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);

    start_waiters(t, 3, &s_word);
    printf("CMP_REQUEUE with a stale value: %ld\n", futex(&s_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &s_word2, 7));
    printf("CMP_REQUEUE wake 1, move 2: %ld\n", futex(&s_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &s_word2, 0));
    while (__atomic_load_n(&s_waiting, __ATOMIC_SEQ_CST) > 2)
        usleep(1000);
    printf("WAKE on the first word after the move: %ld\n", futex(&s_word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    printf("WAKE on the second word: %ld\n", futex(&s_word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);

    start_waiters(t, 2, &s_word2);
    s_word2 = 0;
    /* *word2 += 5, old value 0 == 0: wake 1 on word and up to 1 on word2 */
    unsigned op = FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0);
    printf("WAKE_OP add, compare holds: %ld\n", futex(&s_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &s_word2, op));
    printf("word2 after WAKE_OP: %u\n", s_word2);
    op = FUTEX_OP(FUTEX_OP_OR, 4, FUTEX_OP_CMP_GT, 100) | (FUTEX_OP_OPARG_SHIFT << 28);
    printf("WAKE_OP or with shift, compare fails: %ld\n", futex(&s_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &s_word2, op));
    printf("word2 after WAKE_OP: %u\n", s_word2);
    s_word2 = 0;
    printf("WAKE the other: %ld\n", futex(&s_word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("WAKE_OP on an unmapped word: %ld\n", futex(&s_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, UNMAPPED, op));
    printf("WAKE_OP on a PROT_NONE word: %ld\n", futex(&s_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, none, op));
    printf("WAKE_OP bad op: %ld\n", futex(&s_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &s_word2, 7u << 28));
}

/* ---- munmap while a read() waits to fill the buffer ---- */
static char *s_buffer;
static volatile long s_read_result;
static volatile int s_read_errno;
static volatile int s_reader_started;

static void *buffer_reader(void *arg)
{
    (void)arg;
    __atomic_store_n(&s_reader_started, 1, __ATOMIC_SEQ_CST);
    long r = read(s_pipe[0], s_buffer, 4096);
    s_read_errno = r < 0 ? errno : 0;
    s_read_result = r;
    return NULL;
}

static void munmap_read(void)
{
    check(pipe(s_pipe) == 0, "pipe");
    s_buffer = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(s_buffer != MAP_FAILED, "mmap");
    s_buffer[0] = 1;
    pthread_t t;
    check(pthread_create(&t, NULL, buffer_reader, NULL) == 0, "pthread_create");
    while (!__atomic_load_n(&s_reader_started, __ATOMIC_SEQ_CST))
        usleep(1000);
    usleep(30000); /* the reader is inside read() */
    printf("munmap while the read waits: %d\n", munmap(s_buffer, 4096));
    check(write(s_pipe[1], "hello", 5) == 5, "write");
    pthread_join(t, NULL);
    printf("read returned %ld errno %s\n", s_read_result, s_read_errno == EFAULT ? "EFAULT" : s_read_errno == 0 ? "0" : "other");
    char rest[8];
    long left = read(s_pipe[0], rest, 0);
    printf("still alive, read of 0 bytes: %ld\n", left);
}

/* ---- process-wide endings from a thread ---- */
static void *block_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *exit_from_thread(void *arg)
{
    (void)arg;
    usleep(20000);
    printf("thread calls exit(3)\n");
    exit(3);
}

static void exit_group_mode(void)
{
    pthread_t a, b;
    check(pthread_create(&a, NULL, block_forever, NULL) == 0, "pthread_create");
    check(pthread_create(&b, NULL, exit_from_thread, NULL) == 0, "pthread_create");
    for (;;)
        pause();
}

static void *last_thread(void *arg)
{
    (void)arg;
    usleep(50000);
    printf("last thread still runs after main left\n");
    return NULL;
}

static void main_exit(void)
{
    pthread_t t;
    check(pthread_create(&t, NULL, last_thread, NULL) == 0, "pthread_create");
    printf("main thread leaves\n");
    pthread_exit(NULL);
}

static char *s_self;
static pid_t s_pid_before_exec;

static void *exec_from_thread(void *arg)
{
    (void)arg;
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)s_pid_before_exec);
    char *argv[] = {s_self, "exec_child", pid, NULL};
    char *envp[] = {NULL};
    execve(s_self, argv, envp);
    printf("execve failed: %d\n", errno);
    exit(1);
}

static void exec_mode(void)
{
    s_pid_before_exec = getpid();
    pthread_t a, b;
    check(pthread_create(&a, NULL, block_forever, NULL) == 0, "pthread_create");
    check(pthread_create(&b, NULL, exec_from_thread, NULL) == 0, "pthread_create");
    for (;;)
        pause();
}

static void exec_child(const char *pid)
{
    printf("exec'd program runs, same pid: %s, gettid == getpid: %s\n", atoi(pid) == getpid() ? "yes" : "no",
           syscall(SYS_gettid) == getpid() ? "yes" : "no");
}

static int s_marker = 1;

static void *fork_from_thread(void *arg)
{
    (void)arg;
    s_marker = 42;
    pid_t child = fork();
    if (child == 0) {
        printf("child sees marker %d, gettid == getpid: %s\n", s_marker, syscall(SYS_gettid) == getpid() ? "yes" : "no");
        fflush(stdout);
        _exit(7);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent: child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return NULL;
}

static void fork_mode(void)
{
    pthread_t a, b;
    check(pthread_create(&a, NULL, block_forever, NULL) == 0, "pthread_create");
    check(pthread_create(&b, NULL, fork_from_thread, NULL) == 0, "pthread_create");
    pthread_join(b, NULL);
    printf("forking thread joined\n");
}

static pthread_mutex_t s_robust;

static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&s_robust);
    return NULL; /* exits with the mutex held */
}

static void robust(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s_robust, &a);
    pthread_t t;
    check(pthread_create(&t, NULL, die_holding, NULL) == 0, "pthread_create");
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&s_robust);
    printf("lock after the owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : "other");
    if (r == EOWNERDEAD)
        printf("consistent: %d\n", pthread_mutex_consistent(&s_robust));
    printf("unlock: %d\n", pthread_mutex_unlock(&s_robust));
    printf("lock again: %d\n", pthread_mutex_lock(&s_robust));
}

/* ---- TLB shootdown: an access after munmap/mprotect returned faults on every thread ---- */
#define SHOOTDOWN_ROUNDS 20
static char *volatile s_target;
static int s_go, s_spinning, s_removed, s_faulted, s_stale;
static sigjmp_buf s_reader_jump;

static void reader_fault(int sig)
{
    (void)sig;
    siglongjmp(s_reader_jump, 1);
}

static void *shootdown_reader(void *arg)
{
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reader_fault;
    check(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");
    for (volatile int round = 0; round < SHOOTDOWN_ROUNDS; round++) { /* volatile: it lives across siglongjmp */
        while (__atomic_load_n(&s_go, __ATOMIC_SEQ_CST) != round + 1)
            ;
        if (sigsetjmp(s_reader_jump, 1) == 0) {
            __atomic_store_n(&s_spinning, round + 1, __ATOMIC_SEQ_CST);
            for (;;) {
                int removed = __atomic_load_n(&s_removed, __ATOMIC_SEQ_CST);
                (void)*(volatile char *)s_target; /* must fault once removed was seen */
                if (removed == round + 1) {
                    __atomic_add_fetch(&s_stale, 1, __ATOMIC_SEQ_CST);
                    break;
                }
            }
        } else {
            __atomic_add_fetch(&s_faulted, 1, __ATOMIC_SEQ_CST);
        }
        __atomic_store_n(&s_spinning, 0, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void shootdown(void)
{
    pthread_t t;
    check(pthread_create(&t, NULL, shootdown_reader, NULL) == 0, "pthread_create");
    for (int round = 0; round < SHOOTDOWN_ROUNDS; round++) {
        char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        check(page != MAP_FAILED, "mmap");
        page[0] = 1;
        s_target = page;
        __atomic_store_n(&s_go, round + 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&s_spinning, __ATOMIC_SEQ_CST) != round + 1)
            sched_yield();
        usleep(1000); /* the reader is in its loop, the page in its TLB */
        if (round % 2 == 0)
            check(munmap(page, 4096) == 0, "munmap");
        else
            check(mprotect(page, 4096, PROT_NONE) == 0, "mprotect");
        __atomic_store_n(&s_removed, round + 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&s_spinning, __ATOMIC_SEQ_CST) != 0)
            sched_yield();
        if (round % 2 != 0)
            check(munmap(page, 4096) == 0, "munmap");
    }
    pthread_join(t, NULL);
    printf("rounds %d: the reader faulted %d times, read a removed page %d times\n", SHOOTDOWN_ROUNDS, s_faulted, s_stale);
}

/* ---- mmap from several threads at once ---- */
#define MAPPERS 8
#define MAPPER_ROUNDS 200
static int s_map_failures, s_dirty_pages;

static void *mapper(void *arg)
{
    unsigned char mark = (unsigned char)(uintptr_t)arg;
    for (int i = 0; i < MAPPER_ROUNDS; i++) {
        size_t size = (size_t)(1 + (i % 4)) * 16384;
        unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            __atomic_add_fetch(&s_map_failures, 1, __ATOMIC_SEQ_CST);
            continue;
        }
        for (size_t off = 0; off < size; off += 4096) {
            if (p[off] != 0 || p[off + 4095] != 0)
                __atomic_add_fetch(&s_dirty_pages, 1, __ATOMIC_SEQ_CST);
            p[off] = mark;
            p[off + 4095] = mark;
        }
        if (munmap(p, size) != 0)
            __atomic_add_fetch(&s_map_failures, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void parallel_mmap(void)
{
    pthread_t t[MAPPERS];
    for (int i = 0; i < MAPPERS; i++)
        check(pthread_create(&t[i], NULL, mapper, (void *)(uintptr_t)(i + 1)) == 0, "pthread_create");
    for (int i = 0; i < MAPPERS; i++)
        pthread_join(t[i], NULL);
    printf("%d threads x %d maps: %d failures, %d fresh pages not zero\n", MAPPERS, MAPPER_ROUNDS, s_map_failures, s_dirty_pages);
}

/* many: MANY_THREADS threads alive at once, each waiting at one barrier with the main thread, then joined. */
#define MANY_THREADS 500
#define MANY_STACK_BYTES (64 * 1024)
static pthread_barrier_t s_many_barrier;

static void *many_thread(void *arg)
{
    pthread_barrier_wait(&s_many_barrier);
    return arg;
}

static void mode_many(void)
{
    static pthread_t threads[MANY_THREADS];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, MANY_STACK_BYTES);
    pthread_barrier_init(&s_many_barrier, NULL, MANY_THREADS + 1);
    int started = 0;
    for (int i = 0; i < MANY_THREADS; i++) {
        int err = pthread_create(&threads[i], &attr, many_thread, (void *)(intptr_t)i);
        if (err) {
            printf("many: thread %d failed to start: %s\n", i, strerror(err));
            exit(1);
        }
        started++;
    }
    pthread_barrier_wait(&s_many_barrier);
    int joined = 0;
    for (int i = 0; i < started; i++) {
        void *value;
        if (pthread_join(threads[i], &value) == 0 && (intptr_t)value == i) joined++;
    }
    printf("many: %d threads alive at once, %d joined with their values\n", started, joined);
}

int main(int argc, char **argv)
{
    s_self = argv[0];
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "stress";
    if (!strcmp(mode, "stress"))
        stress();
    else if (!strcmp(mode, "join"))
        join();
    else if (!strcmp(mode, "cancel"))
        cancel();
    else if (!strcmp(mode, "signal"))
        signals();
    else if (!strcmp(mode, "pingpong"))
        pingpong();
    else if (!strcmp(mode, "futex"))
        futex_answers();
    else if (!strcmp(mode, "munmap_read"))
        munmap_read();
    else if (!strcmp(mode, "exit_group"))
        exit_group_mode();
    else if (!strcmp(mode, "main_exit"))
        main_exit();
    else if (!strcmp(mode, "exec"))
        exec_mode();
    else if (!strcmp(mode, "exec_child") && argc > 2)
        exec_child(argv[2]);
    else if (!strcmp(mode, "fork"))
        fork_mode();
    else if (!strcmp(mode, "many"))
        mode_many();
    else if (!strcmp(mode, "robust"))
        robust();
    else if (!strcmp(mode, "shootdown"))
        shootdown();
    else if (!strcmp(mode, "parallel_mmap"))
        parallel_mmap();
    else {
        printf("unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
