/* ppoll's timeout, as Linux treats it (issue 11): the time left is written back into the caller's timespec when the
 * wait ends (interrupted, timed out, or ready), but not for a zero timeout; a timespec in read-only memory does not
 * fail a wait that completed; the timespec is read and checked before the signal mask and before the descriptors,
 * so its EINVAL/EFAULT wins over theirs. Raw syscalls, so libc's copying wrappers stay out of the way. Times are
 * printed as coarse ranges so that scheduling noise does not change the output. nfds is an unsigned int. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_SIGSET_SIZE 8

static long raw_ppoll(void *fds, unsigned long n, void *ts, void *mask, unsigned long mask_size)
{
    long r = syscall(SYS_ppoll, fds, n, ts, mask, mask_size);
    return r < 0 ? -errno : r;
}

static void on_alarm(int sig)
{
    (void)sig;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    int p[2];
    if (pipe(p) != 0)
    {
        return 1;
    }

    /* A wait that times out leaves zero behind. */
    struct timespec ts = {0, 50 * 1000 * 1000};
    struct pollfd pf = {p[0], POLLIN, 0};
    long r = raw_ppoll(&pf, 1, &ts, NULL, 0);
    printf("timed out: r=%ld sec=%ld nsec=%ld\n", r, (long)ts.tv_sec, ts.tv_nsec);

    /* Interrupted after about 300 ms of a 2.5 s wait: EINTR and about 2.2 s left. */
    struct itimerval it = {{0, 0}, {0, 300 * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    ts.tv_sec = 2;
    ts.tv_nsec = 500 * 1000 * 1000;
    r = raw_ppoll(&pf, 1, &ts, NULL, 0);
    long ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    printf("interrupted: r=%ld left_between_1500_and_2400=%d\n", r, ms > 1500 && ms < 2400);

    /* Ready at once: most of the time is left. */
    if (write(p[1], "x", 1) != 1)
    {
        return 1;
    }

    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    r = raw_ppoll(&pf, 1, &ts, NULL, 0);
    ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    printf("ready: r=%ld revents=%#x left_above_4000=%d below_5001=%d\n", r, pf.revents, ms > 4000, ms <= 5000);

    /* A zero timeout is not written back: a read-only one is fine, and a NULL one means wait forever. */
    struct timespec *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro->tv_sec = 0;
    ro->tv_nsec = 0;
    mprotect(ro, 4096, PROT_READ);
    pf.revents = 0;
    r = raw_ppoll(&pf, 1, ro, NULL, 0);
    printf("zero read-only: r=%ld revents=%#x\n", r, pf.revents);

    /* A non-zero read-only timespec: the wait completes, the write-back fails silently. */
    char drain;
    if (read(p[0], &drain, 1) != 1)
    {
        return 1;
    }

    mprotect(ro, 4096, PROT_READ | PROT_WRITE);
    ro->tv_sec = 0;
    ro->tv_nsec = 30 * 1000 * 1000;
    mprotect(ro, 4096, PROT_READ);
    r = raw_ppoll(&pf, 1, ro, NULL, 0);
    printf("timed out read-only: r=%ld sec=%ld nsec=%ld\n", r, (long)ro->tv_sec, ro->tv_nsec);

    /* Interrupted with a read-only timespec: EINTR, the timespec as it was. */
    setitimer(ITIMER_REAL, &it, NULL);
    mprotect(ro, 4096, PROT_READ | PROT_WRITE);
    ro->tv_sec = 1;
    ro->tv_nsec = 0;
    mprotect(ro, 4096, PROT_READ);
    r = raw_ppoll(&pf, 1, ro, NULL, 0);
    printf("interrupted read-only: r=%ld sec=%ld\n", r, (long)ro->tv_sec);

    /* Order of checks: the timespec first, then the mask, then the descriptors. */
    void *bad = (void *)16;
    struct timespec neg = {0, -1};
    struct timespec big = {0, 1000000000};
    struct timespec one = {0, 1000};
    unsigned long long mask = 0;
    printf("bad fds, bad ts: %ld\n", raw_ppoll(bad, 1, bad, NULL, 0));
    printf("bad fds, negative nsec: %ld\n", raw_ppoll(bad, 1, &neg, NULL, 0));
    printf("bad fds, nsec 1e9: %ld\n", raw_ppoll(bad, 1, &big, NULL, 0));
    printf("bad fds, negative nsec, bad mask: %ld\n", raw_ppoll(bad, 1, &neg, bad, KERNEL_SIGSET_SIZE));
    printf("bad fds, negative nsec, mask size 4: %ld\n", raw_ppoll(bad, 1, &neg, &mask, 4));
    printf("bad fds, bad ts, mask size 4: %ld\n", raw_ppoll(bad, 1, bad, &mask, 4));
    printf("bad fds, good ts, bad mask: %ld\n", raw_ppoll(bad, 1, &one, bad, KERNEL_SIGSET_SIZE));
    printf("bad fds, good ts, mask size 4: %ld\n", raw_ppoll(bad, 1, &one, &mask, 4));
    printf("bad fds, good ts, good mask: %ld\n", raw_ppoll(bad, 1, &one, &mask, KERNEL_SIGSET_SIZE));
    printf("too many fds, negative nsec: %ld\n", raw_ppoll(&pf, 1UL << 20, &neg, NULL, 0));
    printf("too many fds, mask size 4: %ld\n", raw_ppoll(&pf, 1UL << 20, &one, &mask, 4));
    printf("nfds 2^40 (an unsigned int: 0): %ld\n", raw_ppoll(&pf, 1UL << 40, &one, NULL, 0));
    printf("nfds 2^32 + 1 (1): %ld\n", raw_ppoll(&pf, (1UL << 32) + 1, &one, NULL, 0));
    printf("nfds 2^20: %ld\n", raw_ppoll(&pf, 1UL << 20, &one, NULL, 0));
    if (write(p[1], "y", 1) != 1)
    {
        return 1;
    }

    long pr = syscall(SYS_poll, &pf, (1UL << 32) + 1, 0);
    printf("poll nfds 2^32 + 1 (1): %ld revents=%#x\n", pr < 0 ? -errno : pr, pf.revents);
    printf("negative seconds: %ld\n", raw_ppoll(NULL, 0, &(struct timespec){-1, 0}, NULL, 0));

    /* select's timeval: microseconds carry into seconds with C division before the check. */
    fd_set rs;
    struct timeval tv = {1, -1000000};
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    r = syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv);
    printf("select {1, -1000000}: %ld sec=%ld usec=%ld\n", r < 0 ? -errno : r, (long)tv.tv_sec, (long)tv.tv_usec);
    tv = (struct timeval){0, 2500000};
    FD_SET(p[0], &rs);
    r = syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, &tv);
    printf("select {0, 2500000}: %ld sec=%ld usec_above_400000=%d\n", r < 0 ? -errno : r, (long)tv.tv_sec, tv.tv_usec > 400000);
    tv = (struct timeval){0, -1};
    r = syscall(SYS_select, 0, NULL, NULL, NULL, &tv);
    printf("select {0, -1}: %ld\n", r < 0 ? -errno : r);
    tv = (struct timeval){0, -1000000};
    r = syscall(SYS_select, 0, NULL, NULL, NULL, &tv);
    printf("select {0, -1000000}: %ld\n", r < 0 ? -errno : r);
    tv = (struct timeval){0, -1};
    r = syscall(SYS_select, -1, NULL, NULL, NULL, &tv);
    printf("select nfds -1, {0, -1}: %ld\n", r < 0 ? -errno : r);
    r = syscall(SYS_select, -1, NULL, NULL, NULL, bad);
    printf("select nfds -1, bad timeval: %ld\n", r < 0 ? -errno : r);
    struct timespec pts = {0, -1};
    r = syscall(SYS_pselect6, -1, NULL, NULL, NULL, &pts, NULL);
    printf("pselect6 nfds -1, {0, -1}: %ld\n", r < 0 ? -errno : r);
    r = syscall(SYS_pselect6, -1, NULL, NULL, NULL, &pts, bad);
    printf("pselect6 nfds -1, {0, -1}, bad argpack: %ld\n", r < 0 ? -errno : r);
    void *argpack[2] = {&mask, (void *)4};
    r = syscall(SYS_pselect6, 0, NULL, NULL, NULL, &pts, argpack);
    printf("pselect6 {0, -1}, mask size 4: %ld\n", r < 0 ? -errno : r);
    pts = (struct timespec){0, 1000};
    r = syscall(SYS_pselect6, 0, NULL, NULL, NULL, &pts, argpack);
    printf("pselect6 mask size 4: %ld\n", r < 0 ? -errno : r);

    /* A failed copy-out of revents is EFAULT, and the time left is still written back. */
    struct pollfd *rofds = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rofds->fd = p[1];
    rofds->events = POLLOUT;
    mprotect(rofds, 4096, PROT_READ);
    ts.tv_sec = 3;
    ts.tv_nsec = 0;
    r = raw_ppoll(rofds, 1, &ts, NULL, 0);
    ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    printf("read-only fds: r=%ld written_back=%d\n", r, ms < 3000 && ms > 2000);
    return 0;
}
