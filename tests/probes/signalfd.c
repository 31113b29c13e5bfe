/* Fidelity (issue 11), signalfd: a descriptor that reads the caller's pending signals of its mask as struct
 * signalfd_siginfo records. Each check prints one line; Linux is the oracle (same output, same exit status).
 * Covered: siginfo fields for kill, sigqueue, tkill and a child's SIGCHLD; several records in one read and the
 * order; readv; short reads (EINVAL), write and writev (EINVAL), empty non-blocking reads (EAGAIN); poll, select and epoll readiness;
 * a blocking read woken by another process's kill; a read interrupted by a handled signal outside the mask (EINTR);
 * changing the mask of an existing descriptor; SFD_CLOEXEC and SFD_NONBLOCK as descriptor flags; dup; a fork child's
 * descriptor reports the child's signals; the errors (EINVAL, EBADF, EFAULT).
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) { }
}

static sigset_t set_of(int a, int b, int c)
{
    sigset_t s;
    sigemptyset(&s);
    if (a) sigaddset(&s, a);
    if (b) sigaddset(&s, b);
    if (c) sigaddset(&s, c);
    return s;
}

static int readable(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int r = poll(&p, 1, 0);
    return r > 0 && (p.revents & POLLIN) ? 1 : r;
}

static void print_record(const char *name, const struct signalfd_siginfo *s, pid_t expected_pid)
{
    printf("%s signo=%u code=%d errno=%d pid_ok=%d uid_ok=%d int=%d ptr=%llu status=%d tid=%u overrun=%u\n", name,
        s->ssi_signo, s->ssi_code, s->ssi_errno, (pid_t)s->ssi_pid == expected_pid, s->ssi_uid == getuid(), s->ssi_int,
        (unsigned long long)s->ssi_ptr, s->ssi_status, s->ssi_tid, s->ssi_overrun);
    fflush(stdout);
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig) { alarmed = sig; }

int main(void)
{
    sigset_t all = set_of(SIGUSR1, SIGUSR2, SIGCHLD);
    sigaddset(&all, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &all, 0);

    /* Errors first. */
    sigset_t m = set_of(SIGUSR1, 0, 0);
    report("bad_size", syscall(SYS_signalfd4, -1, &m, 4, 0));
    report("bad_flags", syscall(SYS_signalfd4, -1, &m, 8, 1));
    report("bad_mask_ptr", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
    report("not_signalfd", syscall(SYS_signalfd4, 0, &m, 8, 0));
    report("closed_fd", syscall(SYS_signalfd4, 999, &m, 8, 0));
    report("legacy_signalfd", syscall(SYS_signalfd, -1, &m, 8) >= 0);

    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    report("create", fd >= 0);
    report("cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    report("nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    struct signalfd_siginfo rec[4];
    report("empty_read", read(fd, rec, sizeof rec));
    report("poll_empty", readable(fd));

    /* kill: SI_USER with the sender. */
    kill(getpid(), SIGUSR1);
    report("poll_pending", readable(fd));
    report("short_read", read(fd, rec, sizeof rec[0] - 1));
    report("read_kill", read(fd, rec, sizeof rec));
    print_record("kill", &rec[0], getpid());
    report("poll_after_read", readable(fd));
    report("write", write(fd, rec, sizeof rec[0]));
    report("pread", pread(fd, rec, sizeof rec[0], 0));

    /* Change the mask: USR2 and a real-time signal; sigqueue values and queued instances, in Linux's order. */
    sigset_t m2 = set_of(SIGUSR2, SIGRTMIN + 1, SIGUSR1);
    report("update_mask", signalfd(fd, &m2, 0) == fd);
    union sigval v1 = { .sival_int = 41 }, v2 = { .sival_int = 42 };
    sigqueue(getpid(), SIGRTMIN + 1, v1);
    sigqueue(getpid(), SIGRTMIN + 1, v2);
    kill(getpid(), SIGUSR2);
    syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1);
    long n = read(fd, rec, sizeof rec);
    report("read_many", n);
    for (long i = 0; i < n / (long)sizeof rec[0]; i++)
    {
        print_record("many", &rec[i], getpid());
    }

    /* select and epoll. */
    kill(getpid(), SIGUSR2);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    struct timeval zero = { 0, 0 };
    report("select_ready", select(fd + 1, &rs, 0, 0, &zero));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
    report("epoll_add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    struct epoll_event out[2];
    memset(out, 0, sizeof out);
    report("epoll_ready", epoll_wait(ep, out, 2, 0));
    printf("epoll_data=%llx\n", (unsigned long long)out[0].data.u64);
    report("read_usr2", read(fd, rec, sizeof rec));
    report("epoll_drained", epoll_wait(ep, out, 2, 0));

    /* readv: records fill the vector in order, straddling elements; too small a vector is EINVAL. */
    kill(getpid(), SIGUSR1);
    unsigned char halves[2][100];
    memset(halves, 0, sizeof halves);
    struct iovec two[2] = { { halves[0], 64 }, { halves[1], 100 } };
    struct iovec small[2] = { { halves[0], 32 }, { halves[1], 32 } };
    report("readv_small", readv(fd, small, 2));
    report("readv", readv(fd, two, 2));
    printf("readv_signo=%u\n", *(unsigned *)halves[0]);
    report("writev", writev(fd, two, 2));

    /* dup shares the description. */
    int d = dup(fd);
    kill(getpid(), SIGUSR1);
    report("dup_read", read(d, rec, sizeof rec));
    report("dup_poll_orig", readable(fd));
    close(d);

    /* A blocking read woken by another process; its sender pid. */
    int bfd = signalfd(-1, &m, 0);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0)
    {
        sleep_ms(150);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    report("blocking_read", read(bfd, rec, sizeof rec));
    print_record("from_child", &rec[0], c);
    waitpid(c, 0, 0);

    /* SIGCHLD through a signalfd. */
    sigset_t chld = set_of(SIGCHLD, 0, 0);
    int cfd = signalfd(-1, &chld, 0);
    struct timespec no_wait = { 0, 0 };
    while (sigtimedwait(&chld, 0, &no_wait) > 0) { } /* the earlier children's SIGCHLD */
    c = fork();
    if (c == 0)
    {
        _exit(5);
    }
    report("read_chld", read(cfd, rec, sizeof rec[0]));
    printf("chld signo=%u code=%d pid_ok=%d status=%d\n", rec[0].ssi_signo, rec[0].ssi_code, (pid_t)rec[0].ssi_pid == c, rec[0].ssi_status);
    waitpid(c, 0, 0);

    /* A handled signal outside the mask interrupts the blocking read. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    alarm(1);
    report("interrupted_read", read(bfd, rec, sizeof rec));
    printf("alarmed=%d\n", alarmed);
    fflush(stdout);

    /* A fork child's descriptor reports the child's own signals; the parent's stays empty. */
    c = fork();
    if (c == 0)
    {
        kill(getpid(), SIGUSR1);
        long r = read(fd, rec, sizeof rec);
        printf("child_read=%ld signo=%u pid_ok=%d\n", r, rec[0].ssi_signo, (pid_t)rec[0].ssi_pid == getpid());
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, 0, 0);
    report("parent_after_child", readable(fd));
    return 0;
}
