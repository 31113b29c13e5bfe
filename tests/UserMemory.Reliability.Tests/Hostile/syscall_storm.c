/* syscall_storm: a trinity-like hostile guest for the runner (part 3 of RELIABILITY.md).
 *
 * Fires COUNT system calls (default 20000, seed SEED, both from argv) chosen at random from a list of calls that
 * cannot end or stall the process (no exit, kill, fork, sleeps, blocking waits, signal handlers, uid changes, and no
 * call that could change the host's files outside the working directory), with random pointers, lengths, fds and
 * flags. Pointers come from the probe's own regions (read-write, read-only, PROT_NONE, holes, a scratch area that
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

static long storm_one(long *nr_out)
{
    uint64_t a[6];
    long nr;
    for (int i = 0; i < 6; i++) a[i] = below(4) == 0 ? next() : ptr();
    switch (below(40)) {
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
    case 36: nr = SYS_wait4; a[0] = (uint64_t)-1; a[1] = ptr(); a[2] = 1 /* WNOHANG */; a[3] = ptr(); break;
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
    if (checksum((unsigned char *)guard, GUARD_SIZE) != guard_sum) guard_ok = 0;
    if (checksum((unsigned char *)ro, RO_SIZE) != ro_sum) ro_ok = 0;
    printf("storm calls=%ld ok=%ld errors=%ld bad_returns=%ld guard=%s readonly=%s\n", calls, ok, errors, bad,
           guard_ok ? "intact" : "CORRUPT", ro_ok ? "intact" : "CORRUPT");
    fflush(stdout);
    return guard_ok && ro_ok && bad == 0 ? 0 : 1;
}
