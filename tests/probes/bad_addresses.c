/* stress-ng's sysbadaddr, made an oracle: about 90 system calls, each given every kind of bad address (NULL, an
 * unaligned valid one, a read-only page, read-only data, a writable byte followed by a hole, an unmapped page, a
 * PROT_NONE page, the top of the address space, a kernel address, a non-canonical one). One line per call; the run
 * must print the same under usermem-run as natively. Path-taking calls only read or look up (nothing is created), and
 * calls whose success value varies (times, pids, addresses) print "pos" for any positive result. */
#include "probe_common.h"
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#define PAGE 4096
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define RDONLY_DATA_FILL 0x7f

/* writable: 64 bytes of ones then zeros (reset before each call); calls write up to 1024 bytes into it */
#define UNALIGNED_ONES 64
static char unaligned_data[2 * PAGE] __attribute__((aligned(PAGE)));
static const char rodata[PAGE] __attribute__((aligned(PAGE))) = { [0 ... PAGE - 2] = RDONLY_DATA_FILL };

enum { NULL_A, UNALIGNED_A, READONLY_A, RODATA_A, STRADDLE_A, UNMAPPED_A, PROTNONE_A, MAX_A, KERNEL_A, NONCANON_A, KINDS };
static const char *kind_names[KINDS] = { "null", "unaligned", "readonly", "rodata", "straddle", "unmapped", "protnone",
                                         "max", "kernel", "noncanonical" };
static char *addrs[KINDS];

static int fd_zero, fd_null, fd_dir, pipe_fds[2], sock_fds[2], epfd;
static sigjmp_buf jump;
static volatile sig_atomic_t fault_signal;

static void on_fault(int sig)
{
    fault_signal = sig;
    siglongjmp(jump, 1);
}

typedef long (*call_t)(char *a);

struct bad_call {
    const char *name;
    call_t call;
    int positive_varies;  /* print "pos" for a positive result */
    int memory_only;      /* only the addresses that are no mapping of the probe's (a memory call would unmap it) */
};

#define S(...) syscall(__VA_ARGS__)

static long c_access(char *a) { return S(SYS_access, a, R_OK); }
static long c_clock_gettime(char *a) { return S(SYS_clock_gettime, CLOCK_REALTIME, a); }
static long c_clock_getres(char *a) { return S(SYS_clock_getres, CLOCK_MONOTONIC, a); }
static long c_clock_nanosleep(char *a) { return S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, a, a); }
static long c_execve(char *a) { return S(SYS_execve, a, a, a); }
static long c_getcwd(char *a) { return S(SYS_getcwd, a, 1024); }
static long c_getrandom(char *a) { return S(SYS_getrandom, a, 1024, 0); }
static long c_getresgid(char *a) { return S(SYS_getresgid, a, a + 4, a + 8); }
static long c_getresuid(char *a) { return S(SYS_getresuid, a, a + 4, a + 8); }
static long c_getgroups(char *a) { return S(SYS_getgroups, 64, a); }
static long c_getrlimit(char *a) { return S(SYS_getrlimit, RLIMIT_CPU, a); }
static long c_prlimit_old(char *a) { return S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, a); }
static long c_getrusage(char *a) { return S(SYS_getrusage, RUSAGE_SELF, a); }
static long c_gettimeofday(char *a) { return S(SYS_gettimeofday, a, a + 16); }
static long c_getxattr(char *a) { return S(SYS_getxattr, a, a, a, 32); }
static long c_lgetxattr_value(char *a) { return S(SYS_lgetxattr, ".", "user.nonexistent", a, 32); }
static long c_ioctl_fionread(char *a) { return S(SYS_ioctl, pipe_fds[0], FIONREAD, a); }
static long c_ioctl_tcgets(char *a) { return S(SYS_ioctl, fd_null, TCGETS, a); }
static long c_mincore_vec(char *a) { return S(SYS_mincore, addrs[READONLY_A], PAGE, a); }
static long c_nanosleep(char *a) { return S(SYS_nanosleep, a, a); }
static long c_open(char *a) { long fd = S(SYS_open, a, O_RDONLY); if (fd >= 0) close(fd); return fd >= 0 ? 0 : fd; }
static long c_openat(char *a) { long fd = S(SYS_openat, AT_FDCWD, a, O_RDONLY); if (fd >= 0) close(fd); return fd >= 0 ? 0 : fd; }
static long c_pipe(char *a) { return S(SYS_pipe, a); }
static long c_pipe2(char *a) { return S(SYS_pipe2, a, O_CLOEXEC); }
static long c_poll(char *a) { return S(SYS_poll, a, 16, 0); }
static long c_read(char *a) { return S(SYS_read, fd_zero, a, 1024); }
static long c_pread(char *a) { return S(SYS_pread64, fd_zero, a, 1024, 0); }
static long c_readv(char *a) { return S(SYS_readv, fd_zero, a, 32); }
static long c_preadv(char *a) { return S(SYS_preadv, fd_zero, a, 4, 0, 0); }
static long c_writev_null(char *a) { return S(SYS_writev, fd_null, a, 4); }
static long c_write_null(char *a) { return S(SYS_write, fd_null, a, 1024); }
static long c_write_pipe(char *a) { long r = S(SYS_write, pipe_fds[1], a, 16); char b[64]; if (r > 0) (void)!read(pipe_fds[0], b, (size_t)r); return r; }
static long c_select(char *a) { return S(SYS_select, 8, a, a + 128, a + 256, a); }
static long c_pselect(char *a) { struct timespec z = { 0, 0 }; return S(SYS_pselect6, 8, a, NULL, NULL, &z, a); }
static long c_stat(char *a) { return S(SYS_stat, ".", a); }
static long c_stat_path(char *a) { char buf[256]; return S(SYS_stat, a, buf); }
static long c_lstat(char *a) { return S(SYS_lstat, "/", a); }
static long c_fstat(char *a) { return S(SYS_fstat, fd_zero, a); }
static long c_newfstatat(char *a) { return S(SYS_newfstatat, AT_FDCWD, ".", a, 0); }
static long c_statx(char *a) { return S(SYS_statx, AT_FDCWD, ".", 0, 0x7ff, a); }
static long c_statfs(char *a) { return S(SYS_statfs, ".", a); }
static long c_fstatfs(char *a) { return S(SYS_fstatfs, fd_zero, a); }
static long c_sysinfo(char *a) { return S(SYS_sysinfo, a); }
static long c_time(char *a) { return S(SYS_time, a); }
static long c_timer_create(char *a) { long r = S(SYS_timer_create, CLOCK_MONOTONIC, a, a + 64); return r; }
static long c_times(char *a) { return S(SYS_times, a); }
static long c_uname(char *a) { return S(SYS_uname, a); }
static long c_utime(char *a) { return S(SYS_utime, a, a); }
static long c_utimes(char *a) { return S(SYS_utimes, "/nonexistent-usermem", a); }
static long c_utimensat(char *a) { return S(SYS_utimensat, AT_FDCWD, a, a, 0); }
static long c_wait4(char *a) { return S(SYS_wait4, -1, a, WNOHANG, a); }
static long c_waitid(char *a) { return S(SYS_waitid, P_ALL, 0, a, WEXITED | WNOHANG, a); }
static long c_sched_getaffinity(char *a) { return S(SYS_sched_getaffinity, 0, 128, a); }
static long c_sched_getparam(char *a) { return S(SYS_sched_getparam, 0, a); }
static long c_sched_rr(char *a) { return S(SYS_sched_rr_get_interval, 0, a); }
static long c_sched_getattr(char *a) { return S(SYS_sched_getattr, 0, a, 56, 0); }
static long c_sigprocmask(char *a) { sigset_t old; sigprocmask(SIG_SETMASK, NULL, &old); long r = S(SYS_rt_sigprocmask, SIG_BLOCK, a, a, 8); sigprocmask(SIG_SETMASK, &old, NULL); return r; }
static long c_sigpending(char *a) { return S(SYS_rt_sigpending, a, 8); }
static long c_sigaction(char *a) { long r = S(SYS_rt_sigaction, SIGUSR2, a, a, 8); signal(SIGUSR2, SIG_DFL); return r; }
static long c_sigaltstack(char *a) { long r = S(SYS_sigaltstack, a, a); stack_t off = { .ss_flags = SS_DISABLE }; sigaltstack(&off, NULL); return r; }
static long c_sigtimedwait(char *a) { return S(SYS_rt_sigtimedwait, a, a, a, 8); }
static long c_sigqueueinfo(char *a) { return S(SYS_rt_sigqueueinfo, getpid(), SIGWINCH, a); }
static long c_sigsuspend_size(char *a) { return S(SYS_rt_sigsuspend, a, 4); }
static long c_getitimer(char *a) { return S(SYS_getitimer, ITIMER_REAL, a); }
static long c_setitimer(char *a) { long r = S(SYS_setitimer, ITIMER_REAL, a, a); struct itimerval z = { 0 }; setitimer(ITIMER_REAL, &z, NULL); return r; }
static long c_readlink(char *a) { return S(SYS_readlink, "/proc/self/cwd", a, 64); }
static long c_readlink_path(char *a) { char b[64]; return S(SYS_readlink, a, b, sizeof b); }
static long c_getdents(char *a) { lseek(fd_dir, 0, SEEK_SET); return S(SYS_getdents64, fd_dir, a, 1024); }
static long c_socketpair(char *a) { long r = S(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a); return r; }
static long c_bind(char *a) { return S(SYS_bind, sock_fds[0], a, 16); }
static long c_connect(char *a) { return S(SYS_connect, sock_fds[0], a, 16); }
static long c_getsockname(char *a) { return S(SYS_getsockname, sock_fds[0], a, a + 64); }
static long c_getsockopt(char *a) { return S(SYS_getsockopt, sock_fds[0], SOL_SOCKET, SO_TYPE, a, a + 8); }
static long c_setsockopt(char *a) { return S(SYS_setsockopt, sock_fds[0], SOL_SOCKET, SO_RCVBUF, a, 4); }
static long c_sendto(char *a) { long r = S(SYS_sendto, sock_fds[0], a, 16, MSG_DONTWAIT, NULL, 0); char b[64]; if (r > 0) (void)!recv(sock_fds[1], b, (size_t)r, 0); return r; }
static long c_sendmsg(char *a) { return S(SYS_sendmsg, sock_fds[0], a, MSG_DONTWAIT); }
static long c_recvmsg(char *a) { return S(SYS_recvmsg, sock_fds[0], a, MSG_DONTWAIT); }
static long c_recvfrom(char *a) { (void)!send(sock_fds[1], "0123456789abcdef", 16, 0); long r = S(SYS_recvfrom, sock_fds[0], a, 16, MSG_DONTWAIT, a, a + 16); char b[64]; (void)!recv(sock_fds[0], b, sizeof b, MSG_DONTWAIT); return r; }
static long c_epoll_ctl(char *a) { long r = S(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, fd_null, a); S(SYS_epoll_ctl, epfd, EPOLL_CTL_DEL, fd_null, NULL); return r; }
static long c_epoll_wait(char *a) { return S(SYS_epoll_wait, epfd, a, 16, 0); }
static long c_futex_wake(char *a) { return S(SYS_futex, a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0); }
static long c_futex_wake_shared(char *a) { return S(SYS_futex, a, FUTEX_WAKE, 1, NULL, NULL, 0); }
static long c_futex_wait(char *a) { struct timespec z = { 0, 1 }; return S(SYS_futex, a, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 12345, &z, NULL, 0); }
/* a NULL timeout waits for ever, on Linux too */
static long c_futex_timeout(char *a) { static int word = 7; if (!a) return 0; return S(SYS_futex, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 7, a, NULL, 0); }
static long c_get_robust_list(char *a) { return S(SYS_get_robust_list, 0, a, a + 8); }
static long c_capget(char *a) { return S(SYS_capget, a, a + 8); }
static long c_prctl_get_name(char *a) { return S(SYS_prctl, PR_GET_NAME, a, 0, 0, 0); }
static long c_arch_prctl_get_fs(char *a) { return S(SYS_arch_prctl, 0x1003, a); }
static long c_process_vm_readv(char *a) { return S(SYS_process_vm_readv, getpid(), a, 1, a, 1, 0); }
static long c_inotify_add_watch(char *a) { int fd = (int)S(SYS_inotify_init1, IN_CLOEXEC); long r = S(SYS_inotify_add_watch, fd, a, 0x100); close(fd); return r; }
static long c_timerfd_settime(char *a) { int fd = (int)S(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_CLOEXEC); long r = S(SYS_timerfd_settime, fd, 0, a, a); close(fd); return r; }
static long c_timerfd_gettime(char *a) { int fd = (int)S(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_CLOEXEC); long r = S(SYS_timerfd_gettime, fd, a); close(fd); return r; }
static long c_signalfd(char *a) { long r = S(SYS_signalfd4, -1, a, 8, SFD_CLOEXEC); if (r >= 0) close((int)r); return r >= 0 ? 0 : r; }
static long c_getcpu(char *a) { return S(SYS_getcpu, a, a + 4, NULL) >= 0 ? 0 : -1; }
static long c_chdir(char *a) { return S(SYS_chdir, a); }
static long c_set_robust_list(char *a) { return S(SYS_set_robust_list, a, 24); }
static long c_munmap(char *a) { return S(SYS_munmap, a, PAGE); }
static long c_mprotect(char *a) { return S(SYS_mprotect, a, PAGE, PROT_READ); }
static long c_madvise(char *a) { return S(SYS_madvise, a, PAGE, MADV_DONTNEED); }
static long c_msync(char *a) { return S(SYS_msync, a, PAGE, MS_SYNC); }
static long c_mlock(char *a) { return S(SYS_mlock, a, PAGE); }
static long c_mincore_addr(char *a) { unsigned char v[4]; return S(SYS_mincore, a, PAGE, v); }
static long c_mremap(char *a) { return S(SYS_mremap, a, PAGE, 2 * PAGE, 0); }
static long c_mmap_fixed_noreplace(char *a) { long r = S(SYS_mmap, a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1, 0); if (r > 0 && (char *)r == a) munmap(a, PAGE); return r; }

#define CALL(n) { #n, c_##n, 0, 0 }
#define CALLV(n) { #n, c_##n, 1, 0 }
#define MEMCALL(n) { #n, c_##n, 0, 1 }

static const struct bad_call calls[] = {
    CALL(access), CALL(clock_gettime), CALL(clock_getres), CALL(clock_nanosleep), CALL(execve), CALL(getcwd),
    CALL(getrandom), CALL(getresgid), CALL(getresuid), CALLV(getgroups), CALL(getrlimit), CALL(prlimit_old),
    CALL(getrusage), CALL(gettimeofday), CALL(getxattr), CALL(lgetxattr_value), CALL(ioctl_fionread), CALL(ioctl_tcgets),
    CALL(mincore_vec), CALL(nanosleep), CALL(open), CALL(openat), CALL(pipe), CALL(pipe2), CALL(poll), CALL(read),
    CALL(pread), CALL(readv), CALL(preadv), CALL(writev_null), CALL(write_null), CALL(write_pipe), CALL(select),
    CALL(pselect), CALL(stat), CALL(stat_path), CALL(lstat), CALL(fstat), CALL(newfstatat), CALL(statx), CALL(statfs),
    CALL(fstatfs), CALL(sysinfo), CALLV(time), CALL(timer_create), CALLV(times), CALL(uname), CALL(utime), CALL(utimes),
    CALL(utimensat), CALL(wait4), CALL(waitid), CALL(sched_getaffinity), CALL(sched_getparam), CALL(sched_rr),
    CALL(sched_getattr), CALL(sigprocmask), CALL(sigpending), CALL(sigaction), CALL(sigaltstack), CALL(sigtimedwait),
    CALL(sigqueueinfo), CALL(sigsuspend_size), CALL(getitimer), CALL(setitimer), CALL(readlink), CALL(readlink_path),
    CALL(getdents), CALL(socketpair), CALL(bind), CALL(connect), CALL(getsockname), CALL(getsockopt), CALL(setsockopt),
    CALL(sendto), CALL(sendmsg), CALL(recvmsg), CALL(recvfrom), CALL(epoll_ctl), CALL(epoll_wait), CALL(futex_wake),
    CALL(futex_wake_shared), CALL(futex_wait), CALL(futex_timeout), CALL(get_robust_list), CALL(capget),
    CALL(prctl_get_name), CALL(arch_prctl_get_fs), CALL(process_vm_readv), CALL(inotify_add_watch),
    CALL(timerfd_settime), CALL(timerfd_gettime), CALL(signalfd), CALL(getcpu), CALL(chdir), CALL(set_robust_list),
    MEMCALL(munmap), MEMCALL(mprotect), MEMCALL(madvise), MEMCALL(msync), MEMCALL(mlock), MEMCALL(mincore_addr),
    MEMCALL(mremap), { "mmap_fixed_noreplace", c_mmap_fixed_noreplace, 1, 1 },
};

static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

static int is_foreign(int kind)
{
    return kind == NULL_A || kind == UNMAPPED_A || kind == MAX_A || kind == KERNEL_A || kind == NONCANON_A;
}

int main(int argc, char **argv)
{
    /* argv[1]: a comma-separated list of the calls to make (all of them without it) */
    const char *only = argc > 1 ? argv[1] : NULL;
    char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *rw = page_then_hole();
    char *hole = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole + PAGE, PAGE);
    addrs[NULL_A] = NULL;
    addrs[UNALIGNED_A] = (char *)unaligned_data + 1;
    addrs[READONLY_A] = ro;
    addrs[RODATA_A] = (char *)rodata;
    addrs[STRADDLE_A] = rw + PAGE - 1;
    addrs[UNMAPPED_A] = hole + PAGE;
    addrs[PROTNONE_A] = hole;
    addrs[MAX_A] = (char *)~(uintptr_t)0;
    addrs[KERNEL_A] = (char *)0xffffffff81000000UL;
    addrs[NONCANON_A] = (char *)0x8000000000000000UL;

    /* descriptor 0 is what zero-filled pollfds name: the same file natively and under the runner */
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0) { perror("stdin"); return 2; }
    fd_zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    fd_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    fd_dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pipe2(pipe_fds, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock_fds) < 0) { perror("setup"); return 2; }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLOUT };
    epoll_ctl(epfd, EPOLL_CTL_ADD, pipe_fds[1], &ev);
    (void)!write(pipe_fds[1], "x", 1); /* FIONREAD has something to say */

    struct sigaction sa = { .sa_handler = on_fault };
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    signal(SIGWINCH, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    char cwd[512];
    if (!getcwd(cwd, sizeof cwd)) return 2;

    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (only && !listed(only, calls[i].name)) continue;
        for (int k = 0; k < KINDS; k++) {
            if (calls[i].memory_only && !is_foreign(k)) continue;
            /* the straddling byte is reset, so every call sees the same memory natively and under the runner */
            rw[PAGE - 1] = 0;
            memset(rw, 0, PAGE - 1);
            memset(unaligned_data, 0, sizeof unaligned_data);
            memset(unaligned_data, 0xff, UNALIGNED_ONES);
            fault_signal = 0;
            errno = 0;
            long r;
            if (sigsetjmp(jump, 1) == 0) r = calls[i].call(addrs[k]);
            else r = 0;
            int e = r < 0 ? errno : 0;
            if (fault_signal) printf("%s %s signal=%d\n", calls[i].name, kind_names[k], (int)fault_signal);
            else if (r > 0 && calls[i].positive_varies) printf("%s %s ret=pos errno=0\n", calls[i].name, kind_names[k]);
            else printf("%s %s ret=%ld errno=%d\n", calls[i].name, kind_names[k], r, e);
            fflush(stdout);
            if (chdir(cwd) < 0) return 2;
        }
    }
    printf("done\n");
    return 0;
}
