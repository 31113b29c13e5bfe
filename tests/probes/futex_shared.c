/* Shared futexes across processes: every guest process is its own runner process, so a futex word in MAP_SHARED
 * memory must meet its waiters in other processes through the host. Each mode forks; output does not depend on
 * scheduling. Modes:
 *   wake         a child sleeps in FUTEX_WAIT on a shared anonymous page; the parent's FUTEX_WAKE wakes exactly it
 *   file         the same on a MAP_SHARED mapping of a file
 *   bitset       FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET: a wake whose bitset misses the waiter wakes nobody
 *   requeue      two children wait on word A; CMP_REQUEUE moves both to word B (EAGAIN on a wrong compare value);
 *                wakes on B end them, a wake on A finds nobody
 *   wakeop       FUTEX_WAKE_OP wakes the second word's waiter in another process, and changes the second word
 *   answers      EAGAIN (the word differs), ETIMEDOUT, EINVAL (misaligned), EFAULT (a PROT_NONE shared page)
 *   signal       a child blocked in FUTEX_WAIT gets SIGUSR1 from the parent: its handler runs, the wait ends in EINTR
 *   private      FUTEX_PRIVATE_FLAG on shared memory is per process: the parent's private wake wakes nobody
 *   mutex        two processes increment one counter under a PTHREAD_PROCESS_SHARED mutex: no update is lost
 *   semaphore    a named POSIX semaphore (sem_open) posted by the child, waited on by the parent
 * Build: musl-gcc -static -O1 (and glibc: gcc -static). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
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
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff))

static long futex(volatile uint32_t *word, int op, uint32_t value, const struct timespec *timeout, volatile uint32_t *word2, uint32_t value3)
{
    long r = syscall(SYS_futex, word, op, value, timeout, word2, value3);
    return r < 0 ? -errno : r;
}

static volatile uint32_t *shared_page(void)
{
    void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return p;
}

/* Waits until *word holds at least n (a child announcing it is about to sleep), then a little more so it sleeps. */
static void await_count(volatile uint32_t *word, uint32_t n)
{
    while (__atomic_load_n(word, __ATOMIC_SEQ_CST) < n) usleep(1000);
    usleep(100 * 1000);
}

static int child_status(pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A child that announces itself in ready[0], waits on word for value 0, and exits with 10 + the negated result. */
static pid_t waiter(volatile uint32_t *ready, volatile uint32_t *word, int op, uint32_t bitset)
{
    pid_t pid = fork();
    if (pid == 0) {
        __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
        long r = futex(word, op, 0, 0, 0, bitset);
        _exit(10 - (int)r);
    }
    return pid;
}

/* Wakes one waiter on word (op, bitset) as soon as one sleeps there: the word keeps the value the waiter expects,
 * so a waiter that was not asleep yet still goes to sleep, and the next try wakes it. */
static long wake_one(volatile uint32_t *word, int op, uint32_t bitset)
{
    long r;
    while ((r = futex(word, op, 1, 0, 0, bitset)) == 0) usleep(2000);
    return r;
}

static void mode_wake(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *word = page + 1;
    pid_t child = waiter(ready, word, FUTEX_WAIT, 0);
    printf("wake: woke %ld\n", wake_one(word, FUTEX_WAKE, 0));
    printf("wake: child exit %d\n", child_status(child));
}

static void mode_file(void)
{
    char name[] = "/tmp/futex_shared_XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0 || ftruncate(fd, 4096) != 0) { perror("file"); exit(2); }
    unlink(name);
    volatile uint32_t *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) { perror("mmap"); exit(2); }
    mode_wake(page);
}

static void mode_bitset(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *word = page + 1;
    pid_t child = waiter(ready, word, FUTEX_WAIT_BITSET, 0x1);
    long other = 0, own;
    while (other == 0 && (own = futex(word, FUTEX_WAKE_BITSET, 1, 0, 0, 0x1)) == 0) {
        other = futex(word, FUTEX_WAKE_BITSET, 1, 0, 0, 0x2);
        usleep(2000);
    }
    printf("bitset: wakes with another bit woke %ld, its own bit woke %ld\n", other, own);
    printf("bitset: child exit %d\n", child_status(child));
}

static void mode_requeue(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *a = page + 1, *b = page + 2;
    pid_t c1 = waiter(ready, a, FUTEX_WAIT, 0), c2 = waiter(ready, a, FUTEX_WAIT, 0);
    printf("requeue: bad compare %ld\n", futex(a, FUTEX_CMP_REQUEUE, 0, (const struct timespec *)1, b, 7));
    long moved = 0;
    while (moved < 2) {
        /* wake none, move one at a time: each answer counts the waiters moved */
        moved += futex(a, FUTEX_CMP_REQUEUE, 0, (const struct timespec *)1, b, 0);
        usleep(2000);
    }
    printf("requeue: moved %ld\n", moved);
    printf("requeue: wake on the first word now %ld\n", futex(a, FUTEX_WAKE, 1, 0, 0, 0));
    long first = futex(b, FUTEX_WAKE, 1, 0, 0, 0);
    printf("requeue: wakes on the second word %ld %ld\n", first, futex(b, FUTEX_WAKE, 1, 0, 0, 0));
    int s1 = child_status(c1), s2 = child_status(c2);
    printf("requeue: children exit %d %d\n", s1 < s2 ? s1 : s2, s1 < s2 ? s2 : s1);
}

static void mode_wakeop(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *a = page + 1, *b = page + 2;
    pid_t child = waiter(ready, b, FUTEX_WAIT, 0);
    /* *b += 0; wake 1 on a (nobody), then 1 on b when its old value was 0: until the child slept and was woken */
    long woke;
    while ((woke = futex(a, FUTEX_WAKE_OP, 1, (const struct timespec *)1, b, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0))) == 0)
        usleep(2000);
    printf("wakeop: woke %ld\n", woke);
    printf("wakeop: adding 5 woke %ld\n", futex(a, FUTEX_WAKE_OP, 1, (const struct timespec *)1, b, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)));
    printf("wakeop: second word %u\n", *b);
    printf("wakeop: child exit %d\n", child_status(child));
}

static void mode_answers(volatile uint32_t *page)
{
    volatile uint32_t *word = page + 1;
    struct timespec short_wait = { 0, 20 * 1000 * 1000 };
    *word = 3;
    printf("answers: differs %ld\n", futex(word, FUTEX_WAIT, 0, 0, 0, 0));
    printf("answers: timeout %ld\n", futex(word, FUTEX_WAIT, 3, &short_wait, 0, 0));
    printf("answers: misaligned %ld\n", futex((volatile uint32_t *)((char *)word + 1), FUTEX_WAKE, 1, 0, 0, 0));
    volatile uint32_t *none = mmap(0, 4096, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("answers: PROT_NONE wait %ld\n", futex(none, FUTEX_WAIT, 0, 0, 0, 0));
    printf("answers: PROT_NONE wake %ld\n", futex(none, FUTEX_WAKE, 1, 0, 0, 0));
}

static volatile sig_atomic_t s_handled;
static void on_usr1(int sig) { (void)sig; s_handled = 1; }

static void mode_signal(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *word = page + 1;
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1; /* no SA_RESTART */
        sigaction(SIGUSR1, &sa, 0);
        __atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
        long r = futex(word, FUTEX_WAIT, 0, 0, 0, 0);
        _exit(r == -EINTR && s_handled ? 0 : 1);
    }
    int status;
    await_count(ready, 1); /* the handler is in place */
    /* A signal that lands before the wait only runs the handler; the next one ends the wait. */
    while (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGUSR1);
        usleep(20 * 1000);
    }
    printf("signal: child exit %d (0: handler ran, wait ended in EINTR)\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void mode_private(volatile uint32_t *page)
{
    volatile uint32_t *ready = page, *word = page + 1;
    pid_t child = waiter(ready, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    await_count(ready, 1);
    printf("private: another process's private wake woke %ld\n", futex(word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0, 0));
    printf("private: its shared wake woke %ld\n", futex(word, FUTEX_WAKE, 1, 0, 0, 0));
    kill(child, SIGKILL);
    printf("private: child exit %d\n", child_status(child));
}

struct counter { pthread_mutex_t lock; long count; };

static void mode_mutex(void)
{
    struct counter *c = mmap(0, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&c->lock, &ma);
    enum { Rounds = 20000 };
    pid_t pid = fork();
    for (int i = 0; i < Rounds; i++) {
        pthread_mutex_lock(&c->lock);
        long v = c->count;
        if ((i & 255) == 0) sched_yield(); /* hold the lock across a reschedule now and then: real contention */
        c->count = v + 1;
        pthread_mutex_unlock(&c->lock);
    }
    if (pid == 0) _exit(0);
    int status = child_status(pid); /* before reading the count: argument order is unspecified */
    printf("mutex: child exit %d, count %ld\n", status, c->count);
}

static void mode_semaphore(void)
{
    char name[64];
    snprintf(name, sizeof name, "/futex_shared_%d", (int)getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    if (s == SEM_FAILED) { perror("sem_open"); exit(2); }
    sem_unlink(name);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100 * 1000);
        for (int i = 0; i < 3; i++) sem_post(s);
        _exit(0);
    }
    int got = 0;
    for (int i = 0; i < 3; i++) got += sem_wait(s) == 0;
    printf("semaphore: waited %d, child exit %d\n", got, child_status(pid));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    volatile uint32_t *page = shared_page();
    if (!strcmp(mode, "wake")) mode_wake(page);
    else if (!strcmp(mode, "file")) mode_file();
    else if (!strcmp(mode, "bitset")) mode_bitset(page);
    else if (!strcmp(mode, "requeue")) mode_requeue(page);
    else if (!strcmp(mode, "wakeop")) mode_wakeop(page);
    else if (!strcmp(mode, "answers")) mode_answers(page);
    else if (!strcmp(mode, "signal")) mode_signal(page);
    else if (!strcmp(mode, "private")) mode_private(page);
    else if (!strcmp(mode, "mutex")) mode_mutex();
    else if (!strcmp(mode, "semaphore")) mode_semaphore();
    else { printf("unknown mode %s\n", mode); return 2; }
    return 0;
}
