/* clone3 as Linux answers it: a fork through struct clone_args (exit signal, CLONE_PIDFD, CLONE_PARENT_SETTID), the
 * argument checks (a struct shorter than version 0, a longer one with non-zero extra bytes, an exit signal in the
 * flags or out of range, a stack without a size), and posix_spawn and threads, which glibc starts through clone3.
 * Build: gcc -static (glibc), and musl-gcc -static. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define CLONE_PIDFD_FLAG 0x1000
#define CLONE_PARENT_SETTID_FLAG 0x00100000

struct args { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup; };

extern char **environ;

static long clone3(struct args *a, size_t size)
{
    long r = syscall(SYS_clone3, a, size);
    return r < 0 ? -errno : r;
}

static void *thread_main(void *arg) { return (char *)arg + 1; }

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    struct args a;
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    long pid = clone3(&a, 64);
    if (pid == 0) _exit(7);
    int status;
    waitpid(pid, &status, 0);
    printf("fork: exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    int pidfd = -1, parent_tid = 0;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_PIDFD_FLAG | CLONE_PARENT_SETTID_FLAG;
    a.pidfd = (uintptr_t)&pidfd;
    a.parent_tid = (uintptr_t)&parent_tid;
    a.exit_signal = SIGCHLD;
    pid = clone3(&a, sizeof a);
    if (pid == 0) { pause(); _exit(0); }
    printf("pidfd: valid %d, parent_tid is the pid %d\n", pidfd >= 0, parent_tid == pid);
    printf("pidfd_send_signal: %ld\n", syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, 0, 0));
    struct pollfd p = { pidfd, POLLIN, 0 };
    printf("poll pidfd: %d\n", poll(&p, 1, 5000));
    waitpid(pid, &status, 0);
    printf("child: signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    printf("short struct: %ld\n", clone3(&a, 56));
    unsigned char big[sizeof a + 8];
    memset(big, 0, sizeof big);
    memcpy(big, &a, sizeof a);
    big[sizeof a] = 1;
    printf("larger struct, non-zero tail: %ld\n", clone3((struct args *)big, sizeof big));
    a.exit_signal = 65;
    printf("exit signal 65: %ld\n", clone3(&a, sizeof a));
    a.exit_signal = SIGCHLD;
    a.flags = SIGCHLD;
    printf("signal in flags: %ld\n", clone3(&a, sizeof a));
    a.flags = 0;
    a.stack = (uintptr_t)big;
    printf("stack without size: %ld\n", clone3(&a, sizeof a));
    a.stack = 0;
    a.stack_size = 4096;
    printf("size without stack: %ld\n", clone3(&a, sizeof a));
    printf("bad address: %ld\n", clone3((struct args *)8, sizeof a));

    pid_t spawned;
    char *argv[] = { "true", 0 };
    int r = posix_spawn(&spawned, "/bin/true", 0, 0, argv, environ);
    waitpid(spawned, &status, 0);
    printf("posix_spawn: %d, exited %d\n", r, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    pthread_t th;
    void *value;
    pthread_create(&th, 0, thread_main, (void *)41);
    pthread_join(th, &value);
    printf("thread: %ld\n", (long)(intptr_t)value);
    return 0;
}
