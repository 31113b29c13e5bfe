/* epoll (issue 14, the Go runtime's netpoller): readiness of pipes, the data field passed through, level and edge
 * triggering, timeouts, a signal interrupting epoll_wait (EINTR even with SA_RESTART), epoll_pwait's temporary mask,
 * and the errors: EINVAL (flags, maxevents, size), EBADF, EEXIST, ENOENT, EFAULT; a wait woken by another process's
 * write (a fork child, so the probe runs on every backend). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
    (void)sig;
}

static int p[2];

static long ret(long r)
{
    return r < 0 ? -errno : r;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct epoll_event ev, out[4];
    printf("epoll_create1 bad flags: %ld\n", ret(epoll_create1(1)));
    printf("epoll_create size 0: %ld\n", ret(epoll_create(0)));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll_create1: %s\n", ep >= 0 ? "ok" : "failed");
    if (pipe(p) != 0)
        return 1;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = 0x1122334455667788ULL;
    printf("ctl add: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)));
    printf("ctl add again: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)));
    printf("ctl mod of a descriptor not added: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev)));
    printf("ctl on a bad descriptor: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev)));
    printf("ctl on a non-epoll descriptor: %ld\n", ret(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev)));
    printf("ctl with a bad event pointer: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)16)));
    printf("ctl add itself: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev)));
    printf("wait, nothing ready, timeout 10ms: %ld\n", ret(epoll_wait(ep, out, 4, 10)));
    printf("wait maxevents 0: %ld\n", ret(epoll_wait(ep, out, 0, 0)));
    printf("wait on a bad descriptor: %ld\n", ret(epoll_wait(999, out, 4, 0)));
    (void)write(p[1], "ab", 2);
    long n = ret(epoll_wait(ep, out, 4, -1));
    printf("wait after a write: %ld events 0x%x data 0x%llx\n", n, n > 0 ? out[0].events : 0, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    printf("level-triggered: still ready: %ld\n", ret(epoll_wait(ep, out, 4, 0)));
    struct epoll_event *volatile bad = (struct epoll_event *)16;
    printf("wait into a bad buffer: %ld\n", ret(epoll_wait(ep, bad, 4, 0)));
    char buf[8];
    (void)read(p[0], buf, sizeof buf);
    ev.events = EPOLLIN | EPOLLET;
    printf("ctl mod to edge-triggered: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev)));
    (void)write(p[1], "c", 1);
    printf("edge: first wait: %ld\n", ret(epoll_wait(ep, out, 4, 0)));
    printf("edge: second wait: %ld\n", ret(epoll_wait(ep, out, 4, 0)));
    (void)read(p[0], buf, sizeof buf);

    pid_t child = fork();
    if (child == 0) {
        usleep(30000);
        (void)write(p[1], "x", 1);
        _exit(0);
    }
    printf("wait woken by another process's write: %ld\n", ret(epoll_wait(ep, out, 4, 5000)));
    waitpid(child, NULL, 0);
    (void)read(p[0], buf, sizeof buf);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    printf("wait interrupted by a signal (SA_RESTART): %ld\n", ret(epoll_wait(ep, out, 4, 5000)));

    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    usleep(40000); /* SIGALRM now pending and blocked */
    sigemptyset(&none);
    printf("epoll_pwait unblocking a pending signal: %ld\n", ret(epoll_pwait(ep, out, 4, 5000, &none)));
    printf("ctl del: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)));
    printf("ctl del again: %ld\n", ret(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL)));
    printf("close: %ld\n", ret(close(ep)));
    return 0;
}
