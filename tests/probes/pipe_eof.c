/* Fidelity (issues 11, 14): end-of-file on a pipe arrives when the last descriptor of its write end closes, however
 * the write end travelled: through fork, through fork + execve (the descriptor landing on 0, 1 or 2 in the new
 * program), and while two threads fork and exec at the same time, each with its own pipe (Go's parallel os/exec).
 * The child closes its standard output and then keeps running for a while, so the parent sees end-of-file only if no
 * other copy of the write end is alive anywhere (a runner's runtime or a sibling runner holding one would delay it
 * until the child exits). Linux is the oracle. Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <pthread.h>
#include <sys/wait.h>

/* How long a child lives after closing its standard output. */
#define LINGER_SECONDS 2

static const char *self;

/* The child side after execve: stdout is the pipe; close it, then linger. */
static int child_main(void)
{
    close(1);
    sleep(LINGER_SECONDS);
    return 7;
}

/* Starts a child whose standard output is a new pipe's write end; returns the read end. */
static int start_child(int exec_it, pid_t *pid)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) { perror("pipe2"); exit(2); }
    *pid = fork();
    if (*pid < 0) { perror("fork"); exit(2); }
    if (*pid == 0) {
        /* Standard input first, as a shell or Go's os/exec sets up a child: on a runner, the write end's host copy
         * may then land on a host number a runtime copies at startup. */
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        dup2(null_fd, 0);
        close(null_fd);
        dup2(p[1], 1); /* dup2 clears close-on-exec on the copy */
        close(p[1]);
        close(p[0]);
        if (exec_it) {
            execl(self, self, "child", (char *)NULL);
            _exit(127);
        }
        _exit(child_main());
    }
    close(p[1]);
    return p[0];
}

/* Reads to end-of-file; reports whether the child was still running then, and its exit status. */
static void await_eof(const char *name, int fd, pid_t pid)
{
    char buf[64];
    long n, total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    printf("%s bytes=%ld eof=%d child_still_running=%d\n", name, total, n == 0, done == 0);
    waitpid(pid, &status, 0);
    printf("%s exit=%d\n", name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(fd);
}

struct job { const char *name; long eof; long running; int status; };

static void *parallel_job(void *arg)
{
    struct job *j = arg;
    pid_t pid;
    int fd = start_child(1, &pid);
    char buf[64];
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) { }
    j->eof = n == 0;
    j->running = waitpid(pid, &j->status, WNOHANG) == 0;
    if (j->running) waitpid(pid, &j->status, 0);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    self = argv[0];
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child_main();
    setvbuf(stdout, NULL, _IONBF, 0);

    pid_t pid;
    int fd = start_child(0, &pid);
    await_eof("fork", fd, pid);
    fd = start_child(1, &pid);
    await_eof("fork_exec", fd, pid);

    struct job jobs[2] = { { "parallel_a", 0, 0, 0 }, { "parallel_b", 0, 0, 0 } };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, parallel_job, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < 2; i++)
        printf("%s eof=%ld child_still_running=%ld exit=%d\n", jobs[i].name, jobs[i].eof, jobs[i].running,
               WIFEXITED(jobs[i].status) ? WEXITSTATUS(jobs[i].status) : -1);
    return 0;
}
