/* Hostile guest, family "crash arithmetic" (issue 10): guest-chosen sizes, counts, offsets, descriptor and signal
 * numbers at the edges of their types (0, -1L, INT_MAX, SIZE_MAX, 2^63, values that overflow when added). Every call
 * must come back with Linux's result or errno and the runner must keep going; Linux is the oracle, so a native run
 * prints the same lines. Buffers are valid where Linux would otherwise fault first, so the arithmetic is what is
 * judged. The first argument picks one group (groups, io, vectors, memory, polling, signals, limits, descriptors, time,
 * processes) or "all". Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <time.h>

#define R(name, call) report(name, (long)(call))

static char buf[1 << 16];

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static const char *mode = "all";
static int want(const char *section) { return strcmp(mode, "all") == 0 || strcmp(mode, section) == 0; }

int main(int argc, char **argv)
{
    if (argc > 1) mode = argv[1];
    const long huge = LONG_MAX;
    const unsigned long all = ~0UL;
    int devnull = open("/dev/null", O_RDWR);
    int zero = open("/dev/zero", O_RDONLY);
    char name[64];
    scratch_file(name);
    int file = open(name, O_RDWR);
    write(file, "0123456789", 10);
    int p[2];
    pipe(p);
    struct timespec ts_bad = { 0, 1000000000 };

    if (want("groups")) {
    static gid_t groups[1 << 16];
    R("getgroups_int_max", syscall(SYS_getgroups, INT_MAX, groups) >= 0 ? 0 : -1L);
    R("getgroups_minus_1", syscall(SYS_getgroups, -1L, groups));
    R("getgroups_2_pow_31", syscall(SYS_getgroups, 1UL << 31, groups) >= 0 ? 0 : -1L);
    R("getgroups_all_ones", syscall(SYS_getgroups, all, groups) >= 0 ? 0 : -1L);
    R("setgroups_huge", syscall(SYS_setgroups, INT_MAX, groups));

    }
    if (want("io")) {
    R("read_zero_size_max", syscall(SYS_read, zero, buf, all) < 0 ? -1 : 0);
    R("read_zero_long_max", syscall(SYS_read, zero, buf, huge) < 0 ? -1 : 0);
    R("write_null_size_max", syscall(SYS_write, devnull, buf, all));
    R("write_null_int_max_plus", syscall(SYS_write, devnull, buf, (1UL << 31) + 5) < 0 ? -1 : 0);
    R("pread_offset_minus_1", syscall(SYS_pread64, file, buf, 4, -1L));
    R("pread_offset_long_max", syscall(SYS_pread64, file, buf, 4, huge));
    R("pread_offset_2_pow_62", syscall(SYS_pread64, file, buf, 4, 1L << 62));
    R("pwrite_offset_long_max", syscall(SYS_pwrite64, file, buf, 4, huge));
    R("pwrite_offset_wraps", syscall(SYS_pwrite64, file, buf, 4, huge - 2));
    R("lseek_long_max", syscall(SYS_lseek, file, huge, SEEK_SET));
    R("lseek_cur_overflow", syscall(SYS_lseek, file, huge, SEEK_CUR));
    R("lseek_minus", syscall(SYS_lseek, file, -100L, SEEK_SET));
    R("lseek_whence_99", syscall(SYS_lseek, file, 0, 99));
    R("ftruncate_minus_1", syscall(SYS_ftruncate, file, -1L));
    R("ftruncate_long_max", syscall(SYS_ftruncate, file, huge));
    R("sendfile_count_max", syscall(SYS_sendfile, devnull, file, 0, all) < 0 ? -1 : 0);
    R("copy_file_range_huge_off", ({ long long o = huge - 1; syscall(SYS_copy_file_range, file, &o, devnull, 0, 10, 0); }));
    R("getdents_count_max", syscall(SYS_getdents64, open(".", O_RDONLY | O_DIRECTORY), buf, all) < 0 ? -1 : 0);
    R("getcwd_size_max", syscall(SYS_getcwd, buf, all) < 0 ? -1 : 0);
    R("getcwd_size_0", syscall(SYS_getcwd, buf, 0));
    R("readlink_size_minus", syscall(SYS_readlink, "/proc/self/exe", buf, -1L));

    }
    if (want("vectors")) {
    struct iovec two[2] = { { buf, (size_t)huge }, { buf, (size_t)huge } };
    R("readv_len_sum_overflows", syscall(SYS_readv, zero, two, 2));
    struct iovec one_huge = { buf, all };
    R("writev_len_size_max", syscall(SYS_writev, devnull, &one_huge, 1));
    R("readv_count_minus_1", syscall(SYS_readv, zero, two, -1L));
    R("readv_count_int_max", syscall(SYS_readv, zero, two, INT_MAX));
    R("preadv_offset_minus", syscall(SYS_preadv, file, &one_huge, 1, -1L, 0));

    }
    if (want("memory")) {
    R("mmap_len_size_max", syscall(SYS_mmap, 0, all, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    R("mmap_len_0", syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    R("mmap_len_rounds_to_0", syscall(SYS_mmap, 0, all - 100, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
    R("mmap_offset_unaligned", syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, file, 1));
    R("mmap_offset_overflows", syscall(SYS_mmap, 0, 1UL << 20, PROT_READ, MAP_PRIVATE, file, (huge & ~4095L)));
    R("mmap_fixed_wraps", syscall(SYS_mmap, all & ~4095UL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0));
    R("mmap_prot_all_bits", syscall(SYS_mmap, 0, 4096, -1L, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0) < 0 ? -1 : 0);
    char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0);
    R("mremap_new_size_max", syscall(SYS_mremap, m, 4096, all, MREMAP_MAYMOVE, 0));
    R("mremap_new_size_huge", syscall(SYS_mremap, m, 4096, 1UL << 62, MREMAP_MAYMOVE, 0));
    R("mremap_old_size_huge", syscall(SYS_mremap, m, 1UL << 62, 4096, 0, 0));
    R("mremap_flags_all", syscall(SYS_mremap, m, 4096, 8192, -1L, 0));
    R("munmap_len_max", syscall(SYS_munmap, m, all));
    R("mprotect_len_wraps", syscall(SYS_mprotect, m, all - 4095, PROT_READ));
    R("madvise_len_max", syscall(SYS_madvise, m, all, MADV_DONTNEED));
    R("msync_len_wraps", syscall(SYS_msync, m, all - 4095, MS_ASYNC));
    R("mlock_len_max", syscall(SYS_mlock, m, all));
    R("mincore_len_wraps", syscall(SYS_mincore, m, all - 4095, buf));
    R("brk_max", syscall(SYS_brk, all) < 0 ? -1 : 0);

    }
    if (want("polling")) {
    struct pollfd pfd = { p[0], POLLIN, 0 };
    R("poll_nfds_int_max", syscall(SYS_poll, &pfd, INT_MAX, 0));
    R("poll_nfds_size_max", syscall(SYS_poll, &pfd, all, 0));
    fd_set set;
    FD_ZERO(&set);
    struct timeval tv0 = { 0, 0 };
    R("select_nfds_minus_1", syscall(SYS_select, -1L, &set, 0, 0, &tv0));
    R("select_nfds_int_max_null_sets", syscall(SYS_select, INT_MAX, 0, 0, 0, &tv0));
    struct timeval tv_bad = { 0, -1 };
    R("select_usec_minus_1", syscall(SYS_select, 0, 0, 0, 0, &tv_bad));
    struct timeval tv_big = { huge, 999999999 };
    R("select_usec_huge", syscall(SYS_select, 0, 0, 0, 0, &tv_big));
    R("ppoll_nsec_1e9", syscall(SYS_ppoll, &pfd, 1, &ts_bad, 0, 8));
    R("ppoll_sigsetsize_16", syscall(SYS_ppoll, &pfd, 1, &(struct timespec){ 0, 0 }, &(uint64_t[2]){ 0, 0 }, 16));

    }
    if (want("signals")) {
    struct kernel_sigaction sa = { SIG_IGN, 0, 0, 0 }, old;
    R("sigaction_0", syscall(SYS_rt_sigaction, 0, &sa, &old, 8));
    R("sigaction_65", syscall(SYS_rt_sigaction, 65, &sa, &old, 8));
    R("sigaction_minus_1", syscall(SYS_rt_sigaction, -1L, &sa, &old, 8));
    R("sigaction_int_min", syscall(SYS_rt_sigaction, INT_MIN, &sa, &old, 8));
    R("sigaction_sigkill", syscall(SYS_rt_sigaction, SIGKILL, &sa, &old, 8));
    R("sigaction_64_read", syscall(SYS_rt_sigaction, 64, 0, &old, 8));
    R("sigaction_setsize_16", syscall(SYS_rt_sigaction, SIGUSR1, &sa, &old, 16));
    R("sigaction_setsize_max", syscall(SYS_rt_sigaction, SIGUSR1, &sa, &old, all));
    R("sigprocmask_how_99", syscall(SYS_rt_sigprocmask, 99, &old.mask, 0, 8));
    R("sigprocmask_setsize_0", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &old.mask, 0, 0));
    R("kill_self_65", syscall(SYS_kill, getpid(), 65));
    R("kill_self_minus_1", syscall(SYS_kill, getpid(), -1L));
    R("kill_self_0", syscall(SYS_kill, getpid(), 0));
    R("kill_int_min_pid", syscall(SYS_kill, INT_MIN, 0));
    R("kill_huge_pid", syscall(SYS_kill, INT_MAX, 0));
    R("tkill_minus_1", syscall(SYS_tkill, -1L, 0));
    R("tgkill_sig_65", syscall(SYS_tgkill, getpid(), getpid(), 65));
    R("rt_sigqueueinfo_65", syscall(SYS_rt_sigqueueinfo, getpid(), 65, buf));
    R("rt_sigpending_setsize_max", syscall(SYS_rt_sigpending, buf, all));
    R("rt_sigtimedwait_nsec_bad", syscall(SYS_rt_sigtimedwait, &old.mask, 0, &ts_bad, 8));
    R("sigaltstack_size_max", syscall(SYS_sigaltstack, &(stack_t){ buf, 0, (size_t)all }, 0));

    }
    if (want("limits")) {
    struct rlimit rl;
    R("prlimit_resource_999", syscall(SYS_prlimit64, 0, 999, 0, &rl));
    R("prlimit_resource_minus_1", syscall(SYS_prlimit64, 0, -1L, 0, &rl));
    R("prlimit_pid_int_max", syscall(SYS_prlimit64, INT_MAX, RLIMIT_NOFILE, 0, &rl));
    R("prlimit_pid_minus_1", syscall(SYS_prlimit64, -1L, RLIMIT_NOFILE, 0, &rl));
    R("getrlimit_minus_1", syscall(SYS_getrlimit, -1L, &rl));
    struct rlimit inverted = { 100, 10 };
    R("setrlimit_cur_above_max", syscall(SYS_setrlimit, RLIMIT_CORE, &inverted));
    R("getpriority_which_99", syscall(SYS_getpriority, 99, 0));
    R("sched_getaffinity_len_max", syscall(SYS_sched_getaffinity, 0, all, buf) < 0 ? -1 : 0);
    R("sched_getaffinity_len_3", syscall(SYS_sched_getaffinity, 0, 3, buf));
    R("getrandom_flags_all", syscall(SYS_getrandom, buf, 16, -1L));

    }
    if (want("descriptors")) {
    R("dup2_to_int_max", syscall(SYS_dup2, 1, INT_MAX));
    R("dup2_to_minus_1", syscall(SYS_dup2, 1, -1L));
    R("dup3_flags_all", syscall(SYS_dup3, 1, 900, -1L));
    R("fcntl_dupfd_int_max", syscall(SYS_fcntl, 1, F_DUPFD, INT_MAX));
    R("fcntl_dupfd_minus", syscall(SYS_fcntl, 1, F_DUPFD, -1L));
    R("fcntl_cmd_minus_1", syscall(SYS_fcntl, 1, -1L, 0));
    R("fcntl_setpipe_sz_huge", syscall(SYS_fcntl, p[0], 1031 /* F_SETPIPE_SZ */, INT_MAX));
    R("close_minus_1", syscall(SYS_close, -1L));
    R("close_int_max", syscall(SYS_close, INT_MAX));
    R("fstat_int_min", syscall(SYS_fstat, INT_MIN, buf));

    }
    if (want("time")) {
    struct timespec neg = { -1L, 0 }, nsec_bad = { 0, -1 };
    R("nanosleep_negative_sec", syscall(SYS_nanosleep, &neg, 0));
    R("nanosleep_nsec_minus_1", syscall(SYS_nanosleep, &nsec_bad, 0));
    R("clock_nanosleep_clock_99", syscall(SYS_clock_nanosleep, 99, 0, &(struct timespec){ 0, 1 }, 0));
    R("clock_nanosleep_clock_minus", syscall(SYS_clock_nanosleep, -1L, 0, &(struct timespec){ 0, 1 }, 0));
    R("clock_gettime_clock_int_max", syscall(SYS_clock_gettime, INT_MAX, buf));
    R("clock_getres_clock_minus_1", syscall(SYS_clock_getres, -1L, buf));
    R("alarm_uint_max", syscall(SYS_alarm, UINT_MAX) < 0 ? -1 : 0);
    R("alarm_cancel", syscall(SYS_alarm, 0) < 0 ? -1 : 0);
    R("futex_op_minus_1", syscall(SYS_futex, buf, -1L, 0, 0, 0, 0));
    R("futex_wait_nsec_bad", syscall(SYS_futex, buf, 0 /* FUTEX_WAIT */, 0, &ts_bad, 0, 0));

    }
    if (want("processes")) {
    R("wait4_options_all", syscall(SYS_wait4, -1L, 0, -1L, 0));
    R("wait4_pid_int_min", syscall(SYS_wait4, INT_MIN, 0, 1, 0));
    R("waitid_idtype_99", syscall(SYS_waitid, 99, 0, buf, 4, 0));
    R("setpgid_minus", syscall(SYS_setpgid, -1L, 0));
    R("getpgid_int_max", syscall(SYS_getpgid, INT_MAX));
    R("setsid_twice", syscall(SYS_getsid, INT_MAX));
    R("prctl_option_minus_1", syscall(SYS_prctl, -1L, 0, 0, 0, 0));
    R("arch_prctl_code_minus_1", syscall(SYS_arch_prctl, -1L, 0));
    R("syscall_minus_1", syscall(-1L));
    R("syscall_int_max", syscall(INT_MAX));
    R("syscall_1_shl_32_plus_getpid", syscall((1L << 32) + SYS_getpid) == getpid() ? 0 : -1L);

    }
    unlink(name);
    puts("survived");
    return 0;
}
