/* syscall_storm: a trinity-like hostile guest for the runner (part 3 of RELIABILITY.md).
 *
 * Fires COUNT system calls (default 20000, seed SEED, both from argv) chosen at random from a list of calls that
 * cannot end or stall the process (no exit of the storm itself, no sleeps, blocking waits or uid changes, and no
 * call that could change the host's files outside the working directory), with random pointers, lengths, fds and
 * flags. The families that mutate process state are fenced so the storm survives them natively:
 *  - fork (at most MAX_FORKS in all, MAX_LIVE at a time): the child fires CHILD_CALLS calls of its own and ends with
 *    exit or exit_group and a random status, without flushing stdio; the parent reaps every child (wait4 on its pid,
 *    never a pid it already reaped) and reports children=, reaped= and unreaped=.
 *  - signals: kill/tkill of itself and kill of its unreaped children with signals whose disposition is always a
 *    handler or SIG_IGN (SAFE_SIGNALS), sigaction installing only those for them, raw rt_sigaction with garbage
 *    actions only for real-time signals nobody sends (GARBAGE_SIG_FIRST..LAST), rt_sigpending, rt_sigtimedwait with a
 *    zero timeout; rt_sigprocmask as before.
 *  - descriptors: dup/dup2/dup3/close/close_range/fcntl(F_DUPFD, F_SETFD) on a playground range (PLAY_FIRST and up)
 *    and on invalid numbers, never on 0-2 or the storm's own descriptors.
 *  - paths: open/unlink/rename/mkdir/rmdir/symlink/link/readlink on a few names in the working directory and on
 *    /proc paths under several spellings (/proc/self, /proc/thread-self, /proc/./self, //proc/self/../self, /dev/fd);
 *    /proc paths are only opened without O_CREAT/O_TRUNC (and every open is O_NONBLOCK) and never targets of a mutation that could reach a host
 *    file, and O_TRUNC always comes with O_NOFOLLOW. Pointers come from the probe's own regions (read-write, read-only, PROT_NONE, holes, a scratch area that
 * mmap/mprotect/munmap/mremap churn) or are hostile values (NULL, small, kernel, non-canonical, -1); never from the
 * probe's stack, data or guard.
 *
 * Checks: every call returns a result or -1 with errno in 1..4095 (the raw syscall() convention); a guard region the
 * probe never passes to a call keeps its checksum; the read-only region keeps its contents. Prints a summary line
 * "storm calls=N ok=N errors=N bad_returns=N guard=intact|CORRUPT readonly=intact|CORRUPT" and exits 0 when all
 * checks pass, 1 otherwise. With a fourth argument "selftest" it first asks the kernel to write into its own guard
 * (read from /dev/zero), to prove the guard check notices. No malloc: every buffer is static or mmapped. Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define PAGE 4096UL
#define RW_SIZE (16 * PAGE)
#define RO_SIZE (4 * PAGE)
#define NONE_SIZE (2 * PAGE)
#define SCRATCH_SIZE (32 * PAGE)
#define GUARD_SIZE (16 * PAGE)
#define MAX_LEN (64 * 1024UL)

static uint64_t rng_state;
static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint64_t below(uint64_t n) { return n ? next() % n : 0; }

/* Layout inside one reservation, each region followed by a hole page:
 * [rw][hole][ro][hole][none][hole][scratch][hole][hole x 16][guard][hole] */
static char *rw, *ro, *none_, *scratch, *guard;
static int fds[8];
static int nfds;
static struct timespec zero_time;

#define MAX_FORKS 24
#define MAX_LIVE 4
#define CHILD_CALLS 32
#define PLAY_FIRST 64
#define PLAY_COUNT 64
#define GARBAGE_SIG_FIRST 40
#define GARBAGE_SIG_LAST 60
#define REAP_SECONDS 60
static const int SAFE_SIGNALS[] = { SIGUSR1, SIGUSR2, SIGWINCH, SIGURG, SIGCHLD, SIGCONT, 35 /* SIGRTMIN+1 */, 0 };
#define NSAFE ((int)(sizeof SAFE_SIGNALS / sizeof SAFE_SIGNALS[0]))
static pid_t children[MAX_FORKS];
static int child_reaped[MAX_FORKS];
static int nchildren, reaped;
static int in_child;
static volatile sig_atomic_t signals_handled;
static void on_signal(int sig) { (void)sig; signals_handled++; }

static const char *const WORK_NAMES[] = { "st-a", "st-b", "st-d", "st-d/st-x", "st-l", "st-e" };
static const char *const PROC_PATHS[] = {
    "/proc/self/maps", "/proc/self/status", "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/3", "/proc/self/fd/5",
    "/proc/thread-self/stat", "/proc/./self/cmdline", "//proc/self/../self/environ", "/dev/fd/1", "/dev/fd/4",
    "/proc/self/mem", "/proc/self/fdinfo/3", "/proc/self/auxv", "/proc/self/cwd/st-a", "/proc/self/exe",
    "/proc/self/task", "/proc/self/fd/../maps", "/dev/fd/../status",
};
/* Paths a mutation may name: the working directory, and /proc paths that cannot lead to a host file. */
static const char *const MUTABLE_PATHS[] = {
    "st-a", "st-b", "st-d", "st-d/st-x", "st-l", "st-e", "/proc/self/cwd/st-b", "/proc/self/maps", "/proc/self/fd/3",
    "/proc/self/st-new", "/proc/thread-self/st-new", "/dev/fd/9", "/proc/self/fd/st-new",
};
#define NWORK ((int)(sizeof WORK_NAMES / sizeof WORK_NAMES[0]))
#define NPROC ((int)(sizeof PROC_PATHS / sizeof PROC_PATHS[0]))
#define NMUTABLE ((int)(sizeof MUTABLE_PATHS / sizeof MUTABLE_PATHS[0]))

static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void fill_no_slash(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)next();
        if (c == '/') c = 'x';
        if (below(16) == 0) c = 0; /* frequent terminators */
        p[i] = (char)c;
    }
}

/* A hostile pointer. Never into the guard (it sits 16 pages past everything else, beyond MAX_LEN of any region). */
static uint64_t ptr(void)
{
    switch (below(12)) {
    case 0: return 0;
    case 1: return 1 + below(PAGE);
    case 2: return 0xffffffffff600000ULL + below(PAGE);
    case 3: return 0x0000800000000000ULL - below(64);
    case 4: return (uint64_t)-1 - below(64);
    case 5: return (uint64_t)(ro + below(RO_SIZE + 64));
    case 6: return (uint64_t)(none_ + below(NONE_SIZE));
    case 7: return (uint64_t)(scratch + below(SCRATCH_SIZE));
    case 8: return (uint64_t)(rw + RW_SIZE - below(256)); /* runs into the hole */
    default: return (uint64_t)(rw + below(RW_SIZE));
    }
}

static uint64_t len(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1 + below(16);
    case 2: return (uint64_t)-1 - below(4);
    case 3: return 1ULL << (32 + below(31));
    case 4: return PAGE;
    default: return below(MAX_LEN);
    }
}

static uint64_t fd(void)
{
    if (below(8) == 0) return below(3) == 0 ? (uint64_t)-1 : 9999 + below(3);
    return (uint64_t)fds[below(nfds)];
}

static uint64_t scratch_addr(void) { return (uint64_t)(scratch + below(SCRATCH_SIZE / PAGE) * PAGE); }
static uint64_t scratch_len(void) { return (1 + below(8)) * PAGE - (below(4) == 0 ? below(PAGE) : 0); }

static int is_protected_fd(long n)
{
    if (n >= 0 && n <= 2) return 1;
    for (int i = 0; i < nfds; i++)
        if (fds[i] == n) return 1;
    return 0;
}

/* A descriptor number for a mutation: the playground, or an invalid number; never 0-2 or the storm's own. */
static long play_fd(void)
{
    switch (below(8)) {
    case 0: return -1 - (long)below(3);
    case 1: return 0x7fffffff - (long)below(2);
    case 2: return 1024 + (long)below(4096);
    default: { long n = PLAY_FIRST + (long)below(PLAY_COUNT); return is_protected_fd(n) ? PLAY_FIRST : n; }
    }
}

static int safe_signal(void) { return SAFE_SIGNALS[below(NSAFE)]; }

static void install_safe(int sig)
{
    if (sig == 0) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    /* Never SIG_IGN for SIGCHLD (children would be reaped behind the storm's back) and never SIG_DFL. */
    sa.sa_handler = (sig != SIGCHLD && below(3) == 0) ? SIG_IGN : on_signal;
    static const int flag_bits[] = { SA_RESTART, SA_NODEFER, SA_ONSTACK, SA_SIGINFO };
    for (int i = 0; i < 4; i++)
        if (below(2)) sa.sa_flags |= flag_bits[i];
    if (sa.sa_flags & SA_SIGINFO) sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))(void *)sa.sa_handler;
    if (sa.sa_handler == SIG_IGN) sa.sa_flags &= ~SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (below(2)) sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(sig, &sa, 0);
}

static long storm_one(long *nr_out);

static void child_storm(void)
{
    in_child = 1;
    nchildren = 0;
    for (int i = 0; i < CHILD_CALLS; i++) {
        long nr;
        storm_one(&nr);
    }
    syscall(below(2) ? SYS_exit_group : SYS_exit, (long)below(256));
    _exit(0); /* not reached */
}

static long storm_fork(long *nr)
{
    *nr = SYS_fork;
    int live = 0;
    for (int i = 0; i < nchildren; i++) live += !child_reaped[i];
    if (in_child || nchildren >= MAX_FORKS || live >= MAX_LIVE) { *nr = SYS_getpid; return syscall(SYS_getpid); }
    pid_t c = (pid_t)syscall(SYS_fork);
    if (c == 0) child_storm();
    if (c > 0) { children[nchildren] = c; child_reaped[nchildren++] = 0; }
    return c;
}

static long unreaped_child(void)
{
    int live[MAX_FORKS], n = 0;
    for (int i = 0; i < nchildren; i++)
        if (!child_reaped[i]) live[n++] = i;
    return n ? children[live[below(n)]] : 0;
}

static void note_reaped(long pid)
{
    for (int i = 0; i < nchildren; i++)
        if (children[i] == pid && !child_reaped[i]) { child_reaped[i] = 1; reaped++; }
}

static long storm_signal(long *nr)
{
    static uint64_t set[2];
    switch (below(9)) {
    case 0: *nr = SYS_kill; return syscall(SYS_kill, getpid(), safe_signal());
    case 1: *nr = SYS_tkill; return syscall(SYS_tkill, syscall(SYS_gettid), safe_signal());
    case 2: { long c = unreaped_child(); *nr = SYS_kill; return c ? syscall(SYS_kill, c, safe_signal()) : syscall(SYS_kill, getpid(), 0); }
    case 3: { int sig = safe_signal(); *nr = SYS_rt_sigaction; install_safe(sig); return 0; }
    case 4: *nr = SYS_rt_sigaction; /* garbage action, but only for signals nobody sends */
        return syscall(SYS_rt_sigaction, GARBAGE_SIG_FIRST + (long)below(GARBAGE_SIG_LAST - GARBAGE_SIG_FIRST + 1), ptr(), below(2) ? ptr() : 0, below(4) ? 8 : next());
    case 5: *nr = SYS_rt_sigaction; /* reads of any signal's action, invalid numbers included */
        return syscall(SYS_rt_sigaction, (long)below(70) - 2, 0, ptr(), 8);
    case 6: *nr = SYS_rt_sigpending; return syscall(SYS_rt_sigpending, ptr(), below(4) ? 8 : next());
    case 7: { *nr = SYS_rt_sigtimedwait; set[0] = 1ULL << (safe_signal() - 1 + (below(2) ? 0 : 1)); return syscall(SYS_rt_sigtimedwait, set, below(2) ? 0 : ptr(), &zero_time, 8); }
    default: *nr = SYS_tgkill; return syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), safe_signal());
    }
}

static long storm_descriptor(long *nr)
{
    long src = below(3) ? (long)fds[below(nfds)] : play_fd();
    long dst = play_fd();
    switch (below(8)) {
    case 0: *nr = SYS_dup; { long r = syscall(SYS_dup, src); if (r > 2 && !is_protected_fd(r) && below(2)) close((int)r); return r; }
    case 1: *nr = SYS_dup2; return syscall(SYS_dup2, src, dst);
    case 2: *nr = SYS_dup3; return syscall(SYS_dup3, src, dst, below(2) ? O_CLOEXEC : next());
    case 3: *nr = SYS_close; return syscall(SYS_close, dst);
    case 4: { *nr = 436 /* close_range */; long lo = PLAY_FIRST + (long)below(PLAY_COUNT); long hi = below(4) ? lo + (long)below(PLAY_COUNT) : (long)~0U;
        static const long flags[] = { 0, 4 /* CLOSE_RANGE_CLOEXEC */, 2 /* CLOSE_RANGE_UNSHARE */, 0x100 };
        if (below(8) == 0) { long t = lo; lo = hi; hi = t; } /* inverted: EINVAL */
        return syscall(436, lo, hi, flags[below(4)]); }
    case 5: { *nr = SYS_fcntl; long r = syscall(SYS_fcntl, src, below(2) ? F_DUPFD : F_DUPFD_CLOEXEC, below(4) ? PLAY_FIRST + (long)below(PLAY_COUNT) : next());
        if (r > 0 && (r < PLAY_FIRST || r >= PLAY_FIRST + PLAY_COUNT) && !is_protected_fd(r)) close((int)r);
        return r; }
    case 6: *nr = SYS_fcntl; return syscall(SYS_fcntl, dst, F_SETFD, below(2) ? FD_CLOEXEC : 0);
    default: *nr = SYS_fcntl; return syscall(SYS_fcntl, dst, F_GETFD);
    }
}

static long storm_path(long *nr)
{
    static char target[256];
    const char *work = WORK_NAMES[below(NWORK)];
    const char *mutable_ = MUTABLE_PATHS[below(NMUTABLE)];
    const char *other = MUTABLE_PATHS[below(NMUTABLE)];
    const char *proc = PROC_PATHS[below(NPROC)];
    switch (below(11)) {
    case 0: { *nr = SYS_open; /* /proc and work names for reading; never O_CREAT or O_TRUNC here */
        const char *path = below(2) ? proc : work;
        /* Always O_NONBLOCK: /proc/self/fd/N may name one of the pipes the storm leaks, whose read would block. */
        long flags = (below(3) ? O_RDONLY : O_RDWR) | O_NONBLOCK | (next() & (O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_APPEND));
        long r = syscall(SYS_open, path, flags, 0);
        if (r >= 0) { syscall(SYS_read, r, rw, below(4096)); if (!is_protected_fd(r)) close((int)r); }
        return r; }
    case 1: { *nr = SYS_openat; /* creating and truncating work names, never through a symlink */
        long flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | (below(2) ? O_CREAT : 0) | (below(2) ? O_TRUNC : 0) | (below(4) ? 0 : O_EXCL);
        long r = syscall(SYS_openat, AT_FDCWD, work, flags, 0600);
        if (r >= 0) { syscall(SYS_write, r, rw, below(512)); if (!is_protected_fd(r)) close((int)r); }
        return r; }
    case 2: *nr = SYS_unlink; return syscall(SYS_unlink, mutable_);
    case 3: *nr = SYS_rename; return syscall(SYS_rename, mutable_, other);
    case 4: *nr = 316 /* renameat2 */; return syscall(316, AT_FDCWD, mutable_, AT_FDCWD, other, below(4) ? (long)below(3) : next());
    case 5: *nr = SYS_mkdir; return syscall(SYS_mkdir, mutable_, 0700);
    case 6: *nr = SYS_rmdir; return syscall(SYS_rmdir, mutable_);
    case 7: *nr = SYS_symlink; /* links to /proc paths and to work names; /proc/self/exe is never a target */
        { const char *to = below(2) ? work : proc; if (strcmp(to, "/proc/self/exe") == 0) to = "/proc/self/maps"; return syscall(SYS_symlink, to, mutable_); }
    case 8: *nr = SYS_link; return syscall(SYS_link, mutable_, other);
    case 9: *nr = SYS_readlink; return syscall(SYS_readlink, below(2) ? proc : work, target, below(2) ? sizeof target : len());
    default: *nr = 263 /* unlinkat */; return syscall(263, AT_FDCWD, mutable_, below(2) ? 0x200 /* AT_REMOVEDIR */ : 0);
    }
}

static long storm_one(long *nr_out)
{
    uint64_t a[6];
    long nr;
    for (int i = 0; i < 6; i++) a[i] = below(4) == 0 ? next() : ptr();
    switch (below(48)) {
    case 40: case 41: return storm_fork(nr_out);
    case 42: case 43: return storm_signal(nr_out);
    case 44: case 45: return storm_descriptor(nr_out);
    case 46: case 47: return storm_path(nr_out);
    case 0: nr = SYS_read; a[0] = fd(); a[1] = ptr(); a[2] = len(); break;
    case 1: nr = SYS_write; a[0] = fd(); a[1] = ptr(); a[2] = len(); break;
    case 2: nr = SYS_pread64; a[0] = fd(); a[1] = ptr(); a[2] = len(); a[3] = below(2) ? below(1 << 20) : next(); break;
    case 3: nr = SYS_pwrite64; a[0] = fd(); a[1] = ptr(); a[2] = len(); a[3] = below(1 << 20); break;
    case 4: nr = below(2) ? SYS_readv : SYS_writev; a[0] = fd(); a[1] = ptr(); a[2] = below(4) ? below(8) : (below(2) ? 1025 : next()); break;
    case 5: nr = SYS_open; a[0] = ptr(); a[1] = next() & (O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_NONBLOCK); a[2] = 0; break;
    case 6: nr = SYS_openat; a[0] = below(2) ? (uint64_t)AT_FDCWD : fd(); a[1] = ptr(); a[2] = next() & (O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH); a[3] = 0; break;
    case 7: nr = below(2) ? SYS_stat : SYS_lstat; a[0] = ptr(); a[1] = ptr(); break;
    case 8: nr = SYS_fstat; a[0] = fd(); a[1] = ptr(); break;
    case 9: nr = SYS_newfstatat; a[0] = below(2) ? (uint64_t)AT_FDCWD : fd(); a[1] = ptr(); a[2] = ptr(); a[3] = below(2) ? 0 : 0x1000 /* AT_EMPTY_PATH */; break;
    case 10: nr = SYS_statx; a[0] = (uint64_t)AT_FDCWD; a[1] = ptr(); a[2] = 0; a[3] = next() & 0xfff; a[4] = ptr(); break;
    case 11: nr = SYS_access; a[0] = ptr(); a[1] = below(8); break;
    case 12: nr = SYS_faccessat; a[0] = (uint64_t)AT_FDCWD; a[1] = ptr(); a[2] = below(8); a[3] = 0; break;
    case 13: nr = SYS_readlink; a[0] = ptr(); a[1] = ptr(); a[2] = len(); break;
    case 14: nr = SYS_getcwd; a[0] = ptr(); a[1] = len(); break;
    case 15: nr = SYS_statfs; a[0] = ptr(); a[1] = ptr(); break;
    case 16: nr = SYS_getdents64; a[0] = fd(); a[1] = ptr(); a[2] = len(); break;
    case 17: nr = SYS_lseek; a[0] = fd(); a[1] = next() >> below(64); a[2] = below(5); break;
    case 18: nr = SYS_mmap; a[0] = below(2) ? scratch_addr() : ptr(); a[1] = scratch_len(); a[2] = below(8);
        a[3] = (below(2) ? MAP_PRIVATE : MAP_SHARED) | (below(3) ? MAP_ANONYMOUS : 0);
        if (a[0] >= (uint64_t)scratch && a[0] < (uint64_t)scratch + SCRATCH_SIZE && below(2)) a[3] |= MAP_FIXED;
        if ((a[3] & MAP_FIXED) && a[0] + a[1] > (uint64_t)scratch + SCRATCH_SIZE) a[1] = (uint64_t)scratch + SCRATCH_SIZE - a[0];
        a[4] = fd(); a[5] = below(4) * PAGE; break;
    case 19: nr = SYS_mprotect; a[0] = scratch_addr(); a[1] = scratch_len(); a[2] = below(8);
        if (a[0] + a[1] > (uint64_t)scratch + SCRATCH_SIZE)
            a[1] = (uint64_t)scratch + SCRATCH_SIZE - a[0];
        break;
    case 20: nr = SYS_munmap; a[0] = scratch_addr(); a[1] = scratch_len();
        if (a[0] + a[1] > (uint64_t)scratch + SCRATCH_SIZE)
            a[1] = (uint64_t)scratch + SCRATCH_SIZE - a[0];
        break;
    case 21: nr = SYS_mremap; a[0] = scratch_addr(); a[1] = PAGE * (1 + below(2)); a[2] = below(2) ? PAGE : next(); a[3] = below(2) /* MREMAP_MAYMOVE or 0 */; a[4] = 0;
        if (a[0] + a[1] > (uint64_t)scratch + SCRATCH_SIZE)
            a[1] = PAGE;
        break;
    case 22: nr = SYS_brk; a[0] = below(2) ? 0 : next() >> below(64); break;
    case 23: nr = SYS_rt_sigprocmask; a[0] = below(4); a[1] = ptr(); a[2] = ptr(); a[3] = below(2) ? 8 : next(); break;
    case 24: nr = SYS_ioctl; { static const uint64_t req[] = { 0x5401, 0x541B, 0x5421, 0x5413, 0x5412 }; a[0] = fd(); a[1] = req[below(5)]; a[2] = ptr(); } break;
    case 25: nr = SYS_fcntl; { static const uint64_t cmd[] = { 0, 1, 2, 3, 4, 5, 6, 1030, 9999 }; a[0] = fd(); a[1] = cmd[below(9)]; a[2] = below(2) ? ptr() : below(64); } break;
    case 26: nr = SYS_poll; a[0] = ptr(); a[1] = below(4) ? below(8) : next(); a[2] = 0; break;
    case 27: nr = SYS_ppoll; a[0] = ptr(); a[1] = below(8); a[2] = (uint64_t)&zero_time; a[3] = below(2) ? 0 : ptr(); a[4] = 8; break;
    case 28: nr = SYS_uname; a[0] = ptr(); break;
    case 29: { static const long out_calls[] = { SYS_sysinfo, SYS_times, SYS_time, SYS_gettimeofday }; nr = out_calls[below(4)]; a[0] = ptr(); a[1] = below(2) ? 0 : ptr(); } break;
    case 30: nr = below(2) ? SYS_clock_gettime : SYS_clock_getres; a[0] = below(4) ? below(8) : next(); a[1] = ptr(); break;
    case 31: nr = SYS_getrusage; a[0] = below(3) - 1; a[1] = ptr(); break;
    case 32: nr = SYS_getrlimit; a[0] = below(20); a[1] = ptr(); break;
    case 33: nr = SYS_prlimit64; a[0] = 0; a[1] = below(20); a[2] = 0; a[3] = ptr(); break;
    case 34: nr = SYS_getrandom; a[0] = ptr(); a[1] = len(); a[2] = below(2) ? 1 /* GRND_NONBLOCK */ : 0; if (a[1] > MAX_LEN) a[1] = MAX_LEN; break;
    case 35: nr = SYS_sched_getaffinity; a[0] = 0; a[1] = len(); a[2] = ptr(); break;
    case 36: nr = SYS_wait4; *nr_out = nr;
        /* Hostile status and rusage pointers only while no child is waitable: Linux reaps a child even when it
         * then fails to write the status (EFAULT), and the storm must know which pids are still its children. */
        if (!unreaped_child()) return syscall(nr, -1L, ptr(), 1 /* WNOHANG */, ptr());
        { static int status; static char usage[256];
          long r = syscall(nr, below(2) ? -1L : unreaped_child(), below(2) ? &status : 0, 1 /* WNOHANG */, below(2) ? (void *)usage : 0);
          if (r > 0) note_reaped(r);
          return r; }
    case 37: nr = SYS_execve; a[0] = ptr(); a[1] = ptr(); a[2] = ptr(); break;
    case 38: nr = below(2) ? SYS_pipe : SYS_pipe2; a[0] = ptr(); a[1] = below(2) ? O_NONBLOCK : next(); break;
    default: { static const long simple[] = { SYS_getpid, SYS_gettid, SYS_getuid, SYS_getppid, SYS_sched_yield, SYS_umask, 400, 1000, 100000, -1 };
        nr = simple[below(10)]; if (nr == SYS_umask) a[0] = 022; } break;
    }
    *nr_out = nr;
    return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static long now_seconds(void)
{
    struct timespec t;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], 0, 0) : 0x5EED;
    long count = argc > 2 ? strtol(argv[2], 0, 0) : 20000;
    long seconds = argc > 3 ? strtol(argv[3], 0, 0) : 60;
    rng_state = seed ? seed : 1;

    size_t total = RW_SIZE + PAGE + RO_SIZE + PAGE + NONE_SIZE + PAGE + SCRATCH_SIZE + PAGE + 16 * PAGE + GUARD_SIZE + PAGE;
    char *base = mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 2; }
    rw = base;
    ro = rw + RW_SIZE + PAGE;
    none_ = ro + RO_SIZE + PAGE;
    scratch = none_ + NONE_SIZE + PAGE;
    guard = scratch + SCRATCH_SIZE + PAGE + 16 * PAGE;
    fill_no_slash(rw, RW_SIZE);
    fill_no_slash(ro, RO_SIZE);
    for (size_t i = 0; i < GUARD_SIZE; i++) guard[i] = (char)next();
    uint64_t guard_sum = checksum((unsigned char *)guard, GUARD_SIZE);
    uint64_t ro_sum = checksum((unsigned char *)ro, RO_SIZE);
    munmap(rw + RW_SIZE, PAGE);
    munmap(ro + RO_SIZE, PAGE);
    munmap(none_ + NONE_SIZE, PAGE);
    munmap(scratch + SCRATCH_SIZE, PAGE + 16 * PAGE);
    munmap(guard + GUARD_SIZE, PAGE);
    mprotect(ro, RO_SIZE, PROT_READ);
    mprotect(none_, NONE_SIZE, PROT_NONE);

    /* Every signal the storm sends starts with a handler; a write to a pipe whose reader closed never kills it. */
    for (int i = 0; i < NSAFE; i++)
        if (SAFE_SIGNALS[i]) { struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_signal; sigaction(SAFE_SIGNALS[i], &sa, 0); }
    signal(SIGPIPE, SIG_IGN);

    fds[nfds++] = 0;
    int f;
    if ((f = open("/dev/null", O_RDWR)) >= 0) fds[nfds++] = f;
    if ((f = open("/dev/zero", O_RDONLY)) >= 0) fds[nfds++] = f;
    if ((f = open("/dev/urandom", O_RDONLY)) >= 0) fds[nfds++] = f;
    int scratch_file = open("storm-scratch", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (scratch_file >= 0) fds[nfds++] = scratch_file;
    if ((f = open(".", O_RDONLY | O_DIRECTORY)) >= 0) fds[nfds++] = f;

    if (argc > 4 && strcmp(argv[4], "selftest") == 0) {
        int z = open("/dev/zero", O_RDONLY);
        syscall(SYS_read, z, guard + 100, 16);
    }

    long calls = 0, ok = 0, errors = 0, bad = 0;
    int guard_ok = 1, ro_ok = 1;
    long start = now_seconds();
    for (calls = 0; calls < count; calls++) {
        long nr;
        errno = 0;
        long r = storm_one(&nr);
        if (r == -1 && errno >= 1 && errno <= 4095) errors++;
        else if (r >= 0 || (nr == SYS_brk || nr == SYS_mmap || nr == SYS_mremap || nr == SYS_time)) ok++; /* addresses may look negative */
        else { bad++; if (bad <= 10) printf("bad return: nr=%ld ret=%ld errno=%d\n", nr, r, errno); }
        if ((calls & 255) == 255) {
            if (checksum((unsigned char *)guard, GUARD_SIZE) != guard_sum) { guard_ok = 0; break; }
            if (checksum((unsigned char *)ro, RO_SIZE) != ro_sum) { ro_ok = 0; break; }
            if (scratch_file >= 0) syscall(SYS_ftruncate, scratch_file, 0);
            if (now_seconds() - start >= seconds) { calls++; break; }
        }
    }
    /* Reap every child: each ends after CHILD_CALLS calls; give them REAP_SECONDS, then kill what is left. */
    long reap_start = now_seconds();
    int unreaped = 0;
    for (int i = 0; i < nchildren; i++) {
        while (!child_reaped[i]) {
            int status;
            long r = syscall(SYS_wait4, children[i], &status, 1 /* WNOHANG */, 0);
            if (r == children[i]) { note_reaped(r); break; }
            if (r < 0 && errno != EINTR) { child_reaped[i] = 1; unreaped++; break; } /* not our child any more */
            if (now_seconds() - reap_start >= REAP_SECONDS) {
                kill(children[i], SIGKILL);
                syscall(SYS_wait4, children[i], &status, 0, 0);
                child_reaped[i] = 1;
                unreaped++;
                break;
            }
            struct timespec t = { 0, 10 * 1000 * 1000 };
            nanosleep(&t, 0);
        }
    }
    if (checksum((unsigned char *)guard, GUARD_SIZE) != guard_sum) guard_ok = 0;
    if (checksum((unsigned char *)ro, RO_SIZE) != ro_sum) ro_ok = 0;
    printf("storm calls=%ld ok=%ld errors=%ld children=%d reaped=%d unreaped=%d signals_handled=%d bad_returns=%ld guard=%s readonly=%s\n",
           calls, ok, errors, nchildren, reaped, unreaped, (int)signals_handled, bad,
           guard_ok ? "intact" : "CORRUPT", ro_ok ? "intact" : "CORRUPT");
    fflush(stdout);
    return guard_ok && ro_ok && bad == 0 && unreaped == 0 ? 0 : 1;
}
