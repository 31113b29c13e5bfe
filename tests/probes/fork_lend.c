/* Fidelity (issue 14): fork of a process with much written memory. The runner lends such a parent's memory to the
 * child copy-on-write instead of copying it, and the parent waits until the child lets go (execve, exit, or its own
 * copy before anything that could block). Whatever the child does in between, fork's semantics must hold: the child
 * sees the memory as it was at the fork, neither side sees the other's later stores, MAP_SHARED memory stays shared,
 * and no interleaving of parent and child deadlocks (a child filling a pipe its parent reads, a child spinning on
 * shared memory for its parent, a child that stops, a child that forks again). Linux is the oracle.
 * Build: musl-gcc -static -O1. With FORK_LEND_ROLE=exec in the environment it is the exec'd child. */
#include "probe_common.h"
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/wait.h>

/* Above the runner's lending threshold (32 MiB of written private memory). */
#define BIG (64u << 20)
#define PAGE 4096u

static unsigned char *big;
static volatile int global_value = 11;

static void fill(unsigned seed)
{
    for (size_t i = 0; i < BIG; i += PAGE / 4) big[i] = (unsigned char)(i / (PAGE / 4) * 7 + seed);
}

static long mismatches(unsigned seed)
{
    long bad = 0;
    for (size_t i = 0; i < BIG; i += PAGE / 4)
        if (big[i] != (unsigned char)(i / (PAGE / 4) * 7 + seed)) bad++;
    return bad;
}

static int wait_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The child sees the fork-time contents; its stores stay its own; the parent's later stores stay the parent's. */
static void isolation(void)
{
    int local = 5;
    fill(1);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = mismatches(1) == 0 && global_value == 11 && local == 5;
        fill(2);
        global_value = 99;
        local = 6;
        _exit(ok && mismatches(2) == 0 ? 0 : 1);
    }
    int child = wait_status(pid);
    printf("isolation child=%d parent_bad=%ld global=%d local=%d\n", child, mismatches(1), global_value, local);

    fill(3); /* stores after a loan ended reach this process only */
    global_value = 12;
    pid = fork();
    if (pid == 0) _exit(mismatches(3) == 0 && global_value == 12 ? 0 : 1);
    child = wait_status(pid);
    printf("second_fork child=%d parent_bad=%ld\n", child, mismatches(3));
}

/* The child fills a pipe far beyond its capacity before the parent reads a byte. */
static void pipe_fill(void)
{
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); exit(2); }
    fill(4);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        long bad = mismatches(4);
        static unsigned char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 16; i++)
            if (write(p[1], chunk, sizeof chunk) != (long)sizeof chunk) _exit(3);
        _exit(bad == 0 ? 0 : 1);
    }
    close(p[1]);
    static unsigned char buf[65536];
    long total = 0, n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) total += n;
    close(p[0]);
    printf("pipe_fill bytes=%ld child=%d\n", total, wait_status(pid));
}

/* The child spins, without a system call, on shared memory that only the parent's return from fork sets. */
static void spin(void)
{
    volatile int *flag = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (flag == MAP_FAILED) { perror("mmap"); exit(2); }
    *flag = 0;
    pid_t pid = fork();
    if (pid == 0) {
        while (*flag == 0) { }
        *flag = 2;
        _exit(0);
    }
    *flag = 1;
    int child = wait_status(pid);
    printf("spin child=%d flag=%d\n", child, *flag);
    munmap((void *)flag, PAGE);
}

/* A hostile child that never lets go: it loops on a call that neither blocks nor remaps. Its parent must still get
 * out of fork (and then kills it). */
static void hog(void)
{
    fill(10);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) syscall(SYS_sched_yield);
    }
    kill(pid, SIGKILL);
    printf("hog child=%d parent_bad=%ld\n", wait_status(pid), mismatches(10));
}

/* The child replaces itself at once, as a shell's child does. */
static void exec_child(const char *self)
{
    fill(5);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { (char *)self, NULL };
        char *envp[] = { "FORK_LEND_ROLE=exec", NULL };
        execve(self, argv, envp);
        _exit(127);
    }
    int child = wait_status(pid);
    printf("exec child=%d parent_bad=%ld\n", child, mismatches(5));
}

/* The child stops itself before letting go of anything; the parent must still return from fork to continue it. */
static void stop_child(void)
{
    fill(6);
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(mismatches(6) == 0 ? 0 : 1);
    }
    int status = 0;
    pid_t r = waitpid(pid, &status, WUNTRACED);
    printf("stop stopped=%d\n", r == pid && WIFSTOPPED(status));
    kill(pid, SIGCONT);
    printf("stop child=%d\n", wait_status(pid));
}

/* The child forks a grandchild and changes its own mappings; everyone sees their own fork-time memory. */
static void nested(void)
{
    fill(7);
    pid_t pid = fork();
    if (pid == 0) {
        big[0] = 0xEE;
        pid_t grandchild = fork();
        if (grandchild == 0) _exit(big[0] == 0xEE && mismatches(7) == 1 ? 0 : 1);
        int g = wait_status(grandchild);
        munmap(big + BIG / 2, BIG / 2);
        void *again = mmap(big + BIG / 2, BIG / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        int fresh = again != MAP_FAILED && big[BIG / 2] == 0 && big[BIG - 1] == 0;
        _exit(g == 0 && fresh && big[PAGE] == (unsigned char)(7 * 4 + 7) ? 0 : 1);
    }
    int child = wait_status(pid);
    printf("nested child=%d parent_bad=%ld\n", child, mismatches(7));
}

/* MAP_SHARED memory is the same memory in both. */
static void shared_memory(void)
{
    fill(8);
    volatile unsigned *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) { perror("mmap"); exit(2); }
    s[0] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        s[0] += 41;
        _exit(0);
    }
    int child = wait_status(pid);
    printf("shared child=%d value=%u\n", child, s[0]);
    munmap((void *)s, PAGE);
}

/* A signal handler runs in the borrowing child and writes its memory. */
static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled = 1; big[PAGE] = 0x55; }

static void signal_child(void)
{
    fill(9);
    signal(SIGUSR1, on_usr1);
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(handled && big[PAGE] == 0x55 ? 0 : 1);
    }
    int child = wait_status(pid);
    printf("signal child=%d parent_handled=%d parent_byte_ok=%d\n", child, (int)handled,
           big[PAGE] == (unsigned char)(4 * 7 + 9));
    signal(SIGUSR1, SIG_DFL);
}

/* vfork and posix_spawn (CLONE_VFORK) from a process whose other thread keeps storing: the runner lends the memory
 * whatever its size or thread count, and the parent resumes once the child has exec'd. */
static volatile int spinning = 1;
static volatile unsigned long spins;
static void *spinner(void *arg) { (void)arg; while (spinning) spins++; return NULL; }

static void vfork_from_threads(const char *self)
{
    pthread_t thread;
    pthread_create(&thread, NULL, spinner, NULL);
    char *argv[] = { (char *)self, NULL };
    char *envp[] = { "FORK_LEND_ROLE=exec", NULL };
    pid_t pid = vfork();
    if (pid == 0) {
        execve(self, argv, envp);
        _exit(127);
    }
    int child = wait_status(pid);
    printf("vfork child=%d\n", child);
    pid_t spawned;
    int r = posix_spawn(&spawned, self, NULL, NULL, argv, envp);
    printf("posix_spawn r=%d child=%d\n", r, r == 0 ? wait_status(spawned) : -1);
    spinning = 0;
    pthread_join(thread, NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *role = getenv("FORK_LEND_ROLE");
    if (role != NULL && strcmp(role, "exec") == 0) {
        printf("exec'd child ran\n");
        return 4;
    }

    setvbuf(stdout, NULL, _IONBF, 0);
    big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big == MAP_FAILED) { perror("mmap"); return 2; }
    isolation();
    pipe_fill();
    spin();
    hog();
    exec_child(argv[0]);
    stop_child();
    nested();
    shared_memory();
    signal_child();
    vfork_from_threads(argv[0]);
    return 0;
}
