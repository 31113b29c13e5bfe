/*
 * sandbox_lifetime: what happens to a guest's other processes when its first process ends. Run under the runner
 * only: natively, orphans live on (re-parented to init), which is the point of the runner's rule.
 *
 *   sandbox_lifetime tree     forks a child, which forks a grandchild that leaves the session (setsid); each prints
 *                             "pid N" and waits forever; then prints "ready" and waits forever too. The test kills
 *                             the first runner with SIGKILL: both must die with it.
 *   sandbox_lifetime detach   forks a child that leaves the session, prints "pid N" and waits forever; exits 0 at
 *                             once. The child must not outlive the first process.
 *   sandbox_lifetime bomb     forks children that wait forever until fork fails; prints "forked N" and the error,
 *                             then exits 0. The children must die with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void wait_forever(void)
{
    for (;;) pause();
}

/* A child reports its pid through the pipe, so the parent prints every line in order. */
static void report(int fd)
{
    char line[32];
    int n = snprintf(line, sizeof line, "pid %d\n", (int)getpid());
    if (write(fd, line, (size_t)n) != n) _exit(9);
    close(fd);
}

static void relay(int fd, int lines)
{
    FILE *in = fdopen(fd, "r");
    char line[64];
    for (int i = 0; i < lines && fgets(line, sizeof line, in); i++) fputs(line, stdout);
    fflush(stdout);
}

static int tree(void)
{
    int p[2];
    if (pipe(p) != 0) return 2;
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    if (fork() == 0) {
        close(p[0]);
        if (fork() == 0) {
            setsid();
            report(p[1]);
            wait_forever();
        }
        report(p[1]);
        wait_forever();
    }
    close(p[1]);
    relay(p[0], 2);
    puts("ready");
    fflush(stdout);
    wait_forever();
    return 0;
}

static int detach(void)
{
    int p[2];
    if (pipe(p) != 0) return 2;
    if (fork() == 0) {
        close(p[0]);
        setsid();
        report(p[1]);
        wait_forever();
    }
    close(p[1]);
    relay(p[0], 1);
    puts("ready");
    fflush(stdout);
    return 0;
}

static int bomb(void)
{
    int n = 0;
    for (;;) {
        pid_t c = fork();
        if (c == 0) wait_forever();
        if (c < 0) break;
        n++;
    }
    printf("forked %d, then %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "tree")) return tree();
    if (!strcmp(mode, "detach")) return detach();
    if (!strcmp(mode, "bomb")) return bomb();
    fprintf(stderr, "usage: sandbox_lifetime tree|detach|bomb\n");
    return 2;
}
