/* Hostile guest, family "hangs" (issue 10): inputs that once made the runner spin or block forever. The test runs each
 * mode under a hard time limit; Linux is the oracle (same output, same exit status).
 *
 *   hostile_hangs jump0        call address 0: SIGSEGV (exit 139 from a shell)
 *   hostile_hangs jump_nx      call into a read-write, non-executable page: SIGSEGV
 *   hostile_hangs jump_kernel  jump to a kernel address: SIGSEGV
 *   hostile_hangs readv_pipe   readv on a pipe holding fewer bytes than the vector asks for: the partial count, at once
 *   hostile_hangs abstime      clock_nanosleep(TIMER_ABSTIME) with a past and a near deadline on three clocks: returns
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/uio.h>
#include <time.h>

static void jump(unsigned long target)
{
    puts("jumping");
    fflush(stdout);
    ((void (*)(void))target)();
    puts("returned (wrong)");
}

static void readv_pipe(void)
{
    int p[2];
    pipe(p);
    write(p[1], "hello", 5);
    char a[5], b[100];
    struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
    report("readv_first_element_satisfied", syscall(SYS_readv, p[0], iov, 2));
    write(p[1], "xy", 2);
    struct iovec iov2[2] = { { a, 1 }, { b, sizeof b } };
    report("readv_second_element_partial", syscall(SYS_readv, p[0], iov2, 2));
    write(p[1], "0123456789", 10);
    report("read_more_than_available", syscall(SYS_read, p[0], b, sizeof b));
}

static void abstime(void)
{
    static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
    static const char *const names[] = { "monotonic", "realtime", "boottime" };
    for (int i = 0; i < 3; i++) {
        struct timespec now, t;
        char label[64];
        clock_gettime(clocks[i], &now);
        t = now;
        t.tv_sec -= 1;
        snprintf(label, sizeof label, "%s_past", names[i]);
        report(label, syscall(SYS_clock_nanosleep, clocks[i], TIMER_ABSTIME, &t, 0));
        t.tv_sec = 0;
        t.tv_nsec = 1;
        snprintf(label, sizeof label, "%s_epoch", names[i]);
        report(label, syscall(SYS_clock_nanosleep, clocks[i], TIMER_ABSTIME, &t, 0));
        clock_gettime(clocks[i], &now);
        t = now;
        t.tv_nsec += 50 * 1000 * 1000;
        if (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
        snprintf(label, sizeof label, "%s_near", names[i]);
        report(label, syscall(SYS_clock_nanosleep, clocks[i], TIMER_ABSTIME, &t, 0));
        struct timespec after;
        clock_gettime(clocks[i], &after);
        printf("%s_near_reached=%d\n", names[i], after.tv_sec > t.tv_sec || (after.tv_sec == t.tv_sec && after.tv_nsec >= t.tv_nsec));
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "jump0") == 0) jump(0);
    else if (strcmp(mode, "jump_nx") == 0) {
        unsigned char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        page[0] = 0xc3; /* ret: would return if the page were executed */
        jump((unsigned long)page);
    } else if (strcmp(mode, "jump_kernel") == 0) jump(0xffffffff81000000UL);
    else if (strcmp(mode, "readv_pipe") == 0) readv_pipe();
    else if (strcmp(mode, "abstime") == 0) abstime();
    else { fprintf(stderr, "unknown mode\n"); return 2; }
    puts("done");
    return 0;
}
