/* Fidelity (issue 11), syscalls real programs reach that the host answers for the guest: eventfd/eventfd2 (the Go
 * runtime's netpoller), timerfd_create/settime/gettime, the scheduler calls (affinity, policy, priority range,
 * sched_rr_get_interval, getcpu), sync/syncfs, fadvise64, readahead, fallocate, mknod, and the prctl options
 * programs use (parent-death signal, dumpable, no_new_privs, child subreaper, timer slack, tid address), and the
 * ioctls Linux answers for any descriptor (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC) and terminal ones on a pipe. Values that differ between
 * machines are printed as facts about them (non-negative, at least one). Linux is the oracle.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

static int readable(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int r = poll(&p, 1, 0);
    return r > 0 && (p.revents & POLLIN) ? 1 : r;
}

static void eventfds(void)
{
    uint64_t v = 0;
    report("eventfd_bad_flags", syscall(SYS_eventfd2, 0, 0x10));
    report("eventfd_legacy", syscall(SYS_eventfd, 0) >= 0);
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    report("eventfd_cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    report("eventfd_short_read", read(fd, &v, 4));
    report("eventfd_read", read(fd, &v, 8));
    printf("value=%llu\n", (unsigned long long)v);
    report("eventfd_empty", read(fd, &v, 8));
    report("eventfd_poll_empty", readable(fd));
    v = 5;
    report("eventfd_write", write(fd, &v, 8));
    report("eventfd_poll", readable(fd));
    v = UINT64_MAX;
    report("eventfd_write_max", write(fd, &v, 8));
    report("eventfd_write_fault", write(fd, (void *)8, 8));
    close(fd);

    int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    for (int i = 0; i < 3; i++)
    {
        v = 0;
        long r = read(sem, &v, 8);
        printf("semaphore_read=%ld value=%llu errno=%d\n", r, (unsigned long long)v, r < 0 ? errno : 0);
    }

    /* A blocking read woken by a fork child's write to the shared description. */
    int shared = eventfd(0, 0);
    pid_t c = fork();
    if (c == 0)
    {
        struct timespec t = { 0, 100000000 };
        nanosleep(&t, 0);
        uint64_t one = 7;
        write(shared, &one, 8);
        _exit(0);
    }
    v = 0;
    report("eventfd_blocking_read", read(shared, &v, 8));
    printf("from_child=%llu\n", (unsigned long long)v);
    waitpid(c, 0, 0);
}

static void timerfds(void)
{
    struct itimerspec its, old;
    memset(&its, 0, sizeof its);
    report("timerfd_bad_flags", syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 1));
    report("timerfd_bad_clock", syscall(SYS_timerfd_create, 12345, 0));
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    report("timerfd_cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    report("timerfd_gettime_unarmed", timerfd_gettime(fd, &old));
    printf("unarmed=%ld.%ld\n", (long)old.it_value.tv_sec, old.it_value.tv_nsec);
    uint64_t n = 0;
    report("timerfd_read_unarmed", read(fd, &n, 8));
    report("timerfd_settime_fault", syscall(SYS_timerfd_settime, fd, 0, (void *)8, 0));
    report("timerfd_gettime_fault", syscall(SYS_timerfd_gettime, fd, (void *)8));
    report("timerfd_settime_badfd", timerfd_settime(999, 0, &its, 0));
    int ev = eventfd(0, 0);
    report("timerfd_settime_not_timer", timerfd_settime(ev, 0, &its, 0));
    its.it_value.tv_nsec = 1000000000;
    report("timerfd_settime_bad_nsec", timerfd_settime(fd, 0, &its, 0));

    /* Absolute time in the past: expired at once. */
    its.it_value.tv_sec = 1;
    its.it_value.tv_nsec = 0;
    report("timerfd_abs_past", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, 0));
    report("timerfd_read_expired", read(fd, &n, 8));
    printf("expirations=%llu\n", (unsigned long long)n);

    /* A blocking timerfd in epoll, then a blocking read. */
    int bfd = timerfd_create(CLOCK_MONOTONIC, 0);
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 50000000;
    report("timerfd_arm", timerfd_settime(bfd, 0, &its, &old));
    report("timerfd_armed_remaining", timerfd_gettime(bfd, &old) == 0 && (old.it_value.tv_sec > 0 || old.it_value.tv_nsec > 0));
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 77 }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, bfd, &e);
    report("timerfd_epoll", epoll_wait(ep, &out, 1, 5000));
    printf("epoll_data=%llu\n", (unsigned long long)out.data.u64);
    report("timerfd_blocking_read", read(bfd, &n, 8));
    printf("at_least_one=%d\n", n >= 1);
}

static void scheduler(void)
{
    unsigned char mask[128];
    memset(mask, 0, sizeof mask);
    long r = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    printf("getaffinity_positive=%d\n", r > 0);
    report("getaffinity_self_pid", syscall(SYS_sched_getaffinity, getpid(), sizeof mask, mask) > 0);
    report("getaffinity_small", syscall(SYS_sched_getaffinity, 0, 3, mask));
    report("getaffinity_neg", syscall(SYS_sched_getaffinity, -1, sizeof mask, mask));
    report("getaffinity_nopid", syscall(SYS_sched_getaffinity, 999999, sizeof mask, mask));
    report("getaffinity_fault", syscall(SYS_sched_getaffinity, 0, sizeof mask, (void *)8));
    report("setaffinity_same", syscall(SYS_sched_setaffinity, 0, sizeof mask, mask));
    unsigned char none[128];
    memset(none, 0, sizeof none);
    report("setaffinity_empty", syscall(SYS_sched_setaffinity, 0, sizeof none, none));
    report("setaffinity_fault", syscall(SYS_sched_setaffinity, 0, sizeof mask, (void *)8));
    report("setaffinity_nopid", syscall(SYS_sched_setaffinity, 999999, sizeof mask, mask));

    report("getscheduler", syscall(SYS_sched_getscheduler, 0));
    report("getscheduler_nopid", syscall(SYS_sched_getscheduler, 999999));
    report("getscheduler_neg", syscall(SYS_sched_getscheduler, -1));
    struct sched_param p = { 5 };
    report("getparam", syscall(SYS_sched_getparam, 0, &p));
    printf("priority=%d\n", p.sched_priority);
    report("getparam_null", syscall(SYS_sched_getparam, 0, 0));
    report("getparam_fault", syscall(SYS_sched_getparam, 0, (void *)8));
    p.sched_priority = 0;
    report("setscheduler_other", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p));
    report("setscheduler_bad_policy", syscall(SYS_sched_setscheduler, 0, 77, &p));
    report("setscheduler_fault", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)8));
    report("setparam", syscall(SYS_sched_setparam, 0, &p));
    report("priority_max_fifo", syscall(SYS_sched_get_priority_max, SCHED_FIFO));
    report("priority_min_fifo", syscall(SYS_sched_get_priority_min, SCHED_FIFO));
    report("priority_max_other", syscall(SYS_sched_get_priority_max, SCHED_OTHER));
    report("priority_max_bad", syscall(SYS_sched_get_priority_max, 77));
    struct timespec ts;
    report("rr_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
    report("rr_interval_fault", syscall(SYS_sched_rr_get_interval, 0, (void *)8));
    unsigned cpu = 99999, node = 99999;
    report("getcpu", syscall(SYS_getcpu, &cpu, &node, 0));
    printf("cpu_set=%d node_set=%d\n", cpu != 99999, node != 99999);
    report("getcpu_null", syscall(SYS_getcpu, 0, 0, 0));
    report("getcpu_fault", syscall(SYS_getcpu, (void *)8, 0, 0));
}

static void files(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR);
    int pipes[2];
    pipe(pipes);
    report("sync", syscall(SYS_sync));
    report("syncfs", syscall(SYS_syncfs, fd));
    report("syncfs_badfd", syscall(SYS_syncfs, 999));
    report("fadvise", syscall(SYS_fadvise64, fd, 0, 4096, POSIX_FADV_SEQUENTIAL));
    report("fadvise_pipe", syscall(SYS_fadvise64, pipes[0], 0, 4096, POSIX_FADV_SEQUENTIAL));
    report("fadvise_bad_advice", syscall(SYS_fadvise64, fd, 0, 4096, 99));
    report("readahead", syscall(SYS_readahead, fd, 0, 4096));
    report("readahead_pipe", syscall(SYS_readahead, pipes[0], 0, 4096));
    report("fallocate", syscall(SYS_fallocate, fd, 0, 0, 8192));
    struct stat st;
    fstat(fd, &st);
    printf("size=%lld\n", (long long)st.st_size);
    report("fallocate_pipe", syscall(SYS_fallocate, pipes[1], 0, 0, 8192));
    report("fallocate_badfd", syscall(SYS_fallocate, 999, 0, 0, 8192));
    report("fallocate_neg", syscall(SYS_fallocate, fd, 0, -1L, 8192L));
    close(fd);
    unlink(name);
    strcat(name, ".fifo");
    report("mknod_fifo", syscall(SYS_mknod, name, S_IFIFO | 0600, 0));
    report("mknod_exists", syscall(SYS_mknod, name, S_IFIFO | 0600, 0));
    stat(name, &st);
    printf("is_fifo=%d\n", S_ISFIFO(st.st_mode));
    report("mknod_fault", syscall(SYS_mknod, (void *)8, S_IFIFO | 0600, 0));
    unlink(name);
}

static void prctls(void)
{
    int sig = -1;
    report("pdeathsig_set", prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    report("pdeathsig_get", prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    printf("pdeathsig=%d\n", sig);
    report("pdeathsig_bad", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    report("pdeathsig_get_fault", prctl(PR_GET_PDEATHSIG, (void *)8, 0, 0, 0));
    report("pdeathsig_clear", prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0));
    report("dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    report("dumpable_bad", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
    report("dumpable_clear", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    report("dumpable_cleared", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    report("dumpable_restore", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    report("no_new_privs_bad", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
    report("no_new_privs_set", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    report("no_new_privs_get", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    int reaper = -1;
    report("subreaper_set", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    report("subreaper_get", prctl(PR_GET_CHILD_SUBREAPER, &reaper, 0, 0, 0));
    printf("subreaper=%d\n", reaper);
    report("timerslack_positive", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) > 0);
    report("capbset_read_bad", prctl(PR_CAPBSET_READ, 9999, 0, 0, 0));
    unsigned long tid_address = 0;
    report("tid_address", prctl(PR_GET_TID_ADDRESS, &tid_address, 0, 0, 0));
    printf("tid_address_set=%d\n", tid_address != 0);
    report("tid_address_fault", prctl(PR_GET_TID_ADDRESS, (void *)8, 0, 0, 0));
    report("unknown_option", prctl(9999, 0, 0, 0, 0));
}

static void ioctls(void)
{
    int p[2];
    pipe(p);
    int on = 1, off = 0;
    report("fioclex", ioctl(p[0], FIOCLEX));
    report("fioclex_getfd", fcntl(p[0], F_GETFD));
    report("fionclex", ioctl(p[0], FIONCLEX));
    report("fionclex_getfd", fcntl(p[0], F_GETFD));
    report("fionbio_on", ioctl(p[0], FIONBIO, &on));
    report("fionbio_flags", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    char c;
    report("fionbio_read", read(p[0], &c, 1));
    report("fionbio_off", ioctl(p[0], FIONBIO, &off));
    report("fionbio_flags_off", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    report("fionbio_fault", ioctl(p[0], FIONBIO, (void *)8));
    report("fioasync", ioctl(p[0], FIOASYNC, &off));
    report("fioclex_badfd", ioctl(999, FIOCLEX));
    report("tcflsh_pipe", ioctl(p[0], TCFLSH, TCIFLUSH));
    report("tcsbrk_pipe", ioctl(p[1], TCSBRK, 1));
    int n = -1;
    report("tiocoutq_pipe", ioctl(p[1], TIOCOUTQ, &n));
    report("tiocgsid_pipe", ioctl(p[0], TIOCGSID, &n));
    int procfd = open("/proc/self/status", O_RDONLY);
    report("fioclex_proc", ioctl(procfd, FIOCLEX));
    report("fioclex_proc_getfd", fcntl(procfd, F_GETFD));
    report("fionbio_proc", ioctl(procfd, FIONBIO, &on));
    report("fionbio_proc_flags", (fcntl(procfd, F_GETFL) & O_NONBLOCK) != 0);
}

int main(void)
{
    eventfds();
    timerfds();
    scheduler();
    files();
    prctls();
    ioctls();
    return 0;
}
