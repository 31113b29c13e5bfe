/*
 * pipe_blocking: blocking pipe transfers larger than the pipe, in a process with other threads.
 *
 * A write of 1 MiB to a blocking pipe blocks until a reader drains it. Meanwhile another thread maps and unmaps
 * memory, then reads everything: on Linux the write waits without holding the process's memory map, so the munmap
 * goes through and the data flows. A runner that waited inside its access scope deadlocked here (a Go program's pipe
 * test hung that way, deaf to every signal). Then a signal without SA_RESTART interrupts a blocked write after the
 * pipe filled: Linux returns the bytes written so far. Last, a write on a pipe's read end and a read on its write
 * end answer EBADF at once (the runner once waited for a readiness that never comes). Each case runs in a child
 * killed by an alarm if it hangs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOTAL (1 << 20)
#define HANG_LIMIT 20

static int pipe_fds[2];
static char *source;
static int use_writev;

static void *writer(void *unused)
{
    (void)unused;
    ssize_t n;
    if (use_writev) {
        struct iovec v[4];
        for (int i = 0; i < 4; i++) {
            v[i].iov_base = source + i * (TOTAL / 4);
            v[i].iov_len = TOTAL / 4;
        }
        n = writev(pipe_fds[1], v, 4);
    } else {
        n = write(pipe_fds[1], source, TOTAL);
    }
    printf("  writer: %zd\n", n);
    fflush(stdout);
    return NULL;
}

static void map_while_writing(int vector)
{
    use_writev = vector;
    if (pipe(pipe_fds) != 0) exit(2);
    source = malloc(TOTAL);
    for (int i = 0; i < TOTAL; i++) source[i] = (char)(i * 7);
    pthread_t t;
    pthread_create(&t, NULL, writer, NULL);
    usleep(200 * 1000); /* the writer fills the pipe and blocks */
    for (int i = 0; i < 16; i++) {
        char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) exit(3);
        p[0] = 1;
        munmap(p, 1 << 16);
    }
    printf("  mapped and unmapped while the write blocked\n");
    fflush(stdout);
    char *sink = malloc(TOTAL);
    size_t got = 0;
    while (got < TOTAL) {
        ssize_t n = read(pipe_fds[0], sink + got, TOTAL - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    pthread_join(t, NULL);
    printf("  read %zu, same %d\n", got, memcmp(sink, source, TOTAL) == 0);
}

static void on_alarm(int sig) { (void)sig; }

static void signal_during_write(int vector)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    if (pipe(pipe_fds) != 0) exit(2);
    source = calloc(1, TOTAL);
    alarm(1);
    ssize_t n;
    if (vector) {
        struct iovec v[2] = { { source, TOTAL / 2 }, { source + TOTAL / 2, TOTAL / 2 } };
        n = writev(pipe_fds[1], v, 2);
    } else {
        n = write(pipe_fds[1], source, TOTAL);
    }
    printf("  interrupted write: %zd %s\n", n, n < 0 ? strerror(errno) : "");
}

static void wrong_end(int unused)
{
    (void)unused;
    if (pipe(pipe_fds) != 0) exit(2);
    char c = 'x';
    ssize_t n = write(pipe_fds[0], &c, 1);
    printf("  write on the read end: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    n = read(pipe_fds[1], &c, 1);
    printf("  read on the write end: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    struct iovec v = { &c, 1 };
    n = writev(pipe_fds[0], &v, 1);
    printf("  writev on the read end: %zd %s\n", n, n < 0 ? strerror(errno) : "");
}

static void run(const char *name, void (*body)(int), int arg)
{
    printf("%s:\n", name);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        alarm(HANG_LIMIT);
        body(arg);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st)) printf("  killed by signal %d\n", WTERMSIG(st));
    else printf("  exit %d\n", WEXITSTATUS(st));
    fflush(stdout);
}

int main(void)
{
    run("write, map and unmap meanwhile", map_while_writing, 0);
    run("writev, map and unmap meanwhile", map_while_writing, 1);
    run("write interrupted by a signal", signal_during_write, 0);
    run("writev interrupted by a signal", signal_during_write, 1);
    run("transfers against the pipe's direction", wrong_end, 0);
    return 0;
}
