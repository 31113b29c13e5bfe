/*
 * clock_set: setting and steering the system clocks. clock_settime, settimeofday, adjtimex and clock_adjtime, each
 * with clocks that cannot be set, invalid times, NULL and unmapped pointers. Every call that would change the clock
 * is refused (EPERM, as for a process without CAP_SYS_TIME) only after Linux's own checks; read-only adjtimex
 * requests answer. The runner once answered ENOSYS to all four (Python's test_time expected PermissionError).
 * Values that change between runs (the time, the clock's state) are not printed.
 *   clock_set            only what Linux refuses before it checks CAP_SYS_TIME, or what only reads: natively the
 *                        tests run as root, so this mode must never change the host's clock
 *   clock_set changes    requests that would change the clock (run only under the runner: all EPERM)
 */
#include "probe_common.h"
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

#define ADJ_ADJTIME_MODE 0x8000
#define CLOCK_REALTIME_ALARM_ID 8
#define CLOCK_SGI_CYCLE_ID 10
#define CLOCK_TAI_ID 11
#define MAX_CLOCKS_ID 16
#define CPU_CLOCK_OF_PID(pid, which) ((~(clockid_t)(pid) << 3) | (which))
#define DYNAMIC_CLOCK_OF_FD(fd) ((~(clockid_t)(fd) << 3) | 3)

static void settime(const char *name, clockid_t clock, const void *ts)
{
    report(name, syscall(SYS_clock_settime, clock, ts));
}

static int changes(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    settime("settime_realtime_now", CLOCK_REALTIME, &now);
    struct timeval tv = { now.tv_sec, 0 };
    struct timezone tz = { 15 * 60 + 1, 0 };
    report("settimeofday_null_null", syscall(SYS_settimeofday, NULL, NULL));
    report("settimeofday_now", syscall(SYS_settimeofday, &tv, NULL));
    report("settimeofday_tz_out_of_range", syscall(SYS_settimeofday, NULL, &tz));
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_FREQUENCY;
    report("adjtimex_set_frequency", syscall(SYS_adjtimex, &tx));
    tx.modes = ADJ_OFFSET_SINGLESHOT;
    report("adjtimex_singleshot", syscall(SYS_adjtimex, &tx));
    tx.modes = 0xffffffff;
    report("adjtimex_all_modes", syscall(SYS_adjtimex, &tx));
    tx.modes = ADJ_SETOFFSET;
    report("clock_adjtime_set_offset", syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "changes")) return changes();
    char *hole = page_then_hole() + 4096;
    struct timespec now, bad;
    clock_gettime(CLOCK_REALTIME, &now);

    settime("settime_realtime_null", CLOCK_REALTIME, NULL);
    settime("settime_realtime_unmapped", CLOCK_REALTIME, hole);
    bad = now; bad.tv_nsec = 1000000000;
    settime("settime_nsec_too_big", CLOCK_REALTIME, &bad);
    bad.tv_nsec = -1;
    settime("settime_nsec_negative", CLOCK_REALTIME, &bad);
    bad = now; bad.tv_sec = -1;
    settime("settime_sec_negative", CLOCK_REALTIME, &bad);
    bad.tv_sec = 0x7fffffffffffffffL;
    settime("settime_sec_huge", CLOCK_REALTIME, &bad);
    bad.tv_sec = 8277292036L; bad.tv_nsec = 0;
    settime("settime_sec_at_limit", CLOCK_REALTIME, &bad);
    bad.tv_sec = 8277292037L;
    settime("settime_sec_first_invalid", CLOCK_REALTIME, &bad);
    settime("settime_monotonic", CLOCK_MONOTONIC, &now);
    settime("settime_monotonic_null", CLOCK_MONOTONIC, NULL);
    settime("settime_process_cpu", CLOCK_PROCESS_CPUTIME_ID, &now);
    settime("settime_thread_cpu", CLOCK_THREAD_CPUTIME_ID, &now);
    settime("settime_monotonic_raw", CLOCK_MONOTONIC_RAW, &now);
    settime("settime_realtime_coarse", CLOCK_REALTIME_COARSE, &now);
    settime("settime_boottime", CLOCK_BOOTTIME, &now);
    settime("settime_realtime_alarm", CLOCK_REALTIME_ALARM_ID, &now);
    settime("settime_sgi_cycle", CLOCK_SGI_CYCLE_ID, &now);
    settime("settime_tai", CLOCK_TAI_ID, &now);
    settime("settime_max_clocks", MAX_CLOCKS_ID, &now);
    settime("settime_max_clocks_null", MAX_CLOCKS_ID, NULL);
    settime("settime_int_max", 0x7fffffff, &now);
    settime("settime_cpu_self", CPU_CLOCK_OF_PID(0, 0), &now);
    settime("settime_cpu_self_null", CPU_CLOCK_OF_PID(0, 2), NULL);
    settime("settime_cpu_self_bad_which", CPU_CLOCK_OF_PID(0, 3 + 4), &now);
    settime("settime_cpu_dead_pid", CPU_CLOCK_OF_PID(0x3ffffff, 0), &now);
    settime("settime_dynamic_bad_fd", DYNAMIC_CLOCK_OF_FD(999), &now);
    settime("settime_dynamic_stdin", DYNAMIC_CLOCK_OF_FD(0), &now);
    settime("settime_dynamic_null", DYNAMIC_CLOCK_OF_FD(999), NULL);

    struct timeval tv = { now.tv_sec, 0 };
    struct timezone tz = { 0, 0 };
    report("settimeofday_tv_unmapped", syscall(SYS_settimeofday, hole, &tz));
    report("settimeofday_tz_unmapped", syscall(SYS_settimeofday, &tv, hole));
    tv.tv_usec = 1000001;
    report("settimeofday_usec_too_big", syscall(SYS_settimeofday, &tv, hole));
    tv.tv_usec = -1;
    report("settimeofday_usec_negative", syscall(SYS_settimeofday, &tv, NULL));
    tv.tv_usec = 0; tv.tv_sec = -1;
    report("settimeofday_sec_negative", syscall(SYS_settimeofday, &tv, NULL));
    tv.tv_sec = now.tv_sec;

    struct timex tx;
    memset(&tx, 0, sizeof tx);
    long state = syscall(SYS_adjtimex, &tx);
    report("adjtimex_read_answers", state >= 0 ? 0 : state);
    printf("adjtimex_read_tick_plausible %d\n", tx.tick > 9000 && tx.tick < 11000);
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_OFFSET_SS_READ;
    state = syscall(SYS_adjtimex, &tx);
    report("adjtimex_offset_read_answers", state >= 0 ? 0 : state);
    report("adjtimex_null", syscall(SYS_adjtimex, NULL));
    report("adjtimex_unmapped", syscall(SYS_adjtimex, hole));
    report("adjtimex_straddling", syscall(SYS_adjtimex, hole - 8));
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_ADJTIME_MODE;
    report("adjtimex_adjtime_without_singleshot", syscall(SYS_adjtimex, &tx));

    memset(&tx, 0, sizeof tx);
    state = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    report("clock_adjtime_realtime_read_answers", state >= 0 ? 0 : state);
    report("clock_adjtime_realtime_null", syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL));
    tx.modes = 0;
    report("clock_adjtime_monotonic", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
    report("clock_adjtime_monotonic_null", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, NULL));
    report("clock_adjtime_tai", syscall(SYS_clock_adjtime, CLOCK_TAI_ID, &tx));
    report("clock_adjtime_max_clocks", syscall(SYS_clock_adjtime, MAX_CLOCKS_ID, &tx));
    report("clock_adjtime_cpu_self", syscall(SYS_clock_adjtime, CPU_CLOCK_OF_PID(0, 0), &tx));
    report("clock_adjtime_dynamic_bad_fd", syscall(SYS_clock_adjtime, DYNAMIC_CLOCK_OF_FD(999), &tx));
    report("clock_adjtime_dynamic_stdin", syscall(SYS_clock_adjtime, DYNAMIC_CLOCK_OF_FD(0), &tx));
    return 0;
}
