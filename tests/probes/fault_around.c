/* Anonymous fault-around as the runner does it (AddrSpaceOptions.AnonymousFaultAroundPages, 16 pages, as Linux's
 * anonymous mTHP of 64 KiB): a write fault in private anonymous memory populates the aligned 64 KiB around the page,
 * clipped to its mapping, and mincore and /proc/self/statm show exactly that; read faults and MADV_NOHUGEPAGE stay
 * page-granular (a forked child keeps the advice), MADV_HUGEPAGE undoes it, and both answer ENOMEM for a hole. Not a
 * differential probe: Linux's answer depends on the host's mTHP settings. Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define WINDOW 16

/* A window-aligned start inside a fresh mapping of pages + WINDOW pages. */
static unsigned char *aligned_area(size_t pages)
{
    unsigned char *p = mmap(0, (pages + WINDOW) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) exit(2);
    return (unsigned char *)(((uintptr_t)p + WINDOW * PAGE - 1) & ~(uintptr_t)(WINDOW * PAGE - 1));
}

static int resident(unsigned char *start, size_t pages)
{
    unsigned char v[64];
    if (pages > sizeof v || mincore(start, pages * PAGE, v) != 0) return -errno;
    int n = 0;
    for (size_t i = 0; i < pages; i++) n += v[i] & 1;
    return n;
}

static long rss_pages(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    long size, rss;
    return sscanf(buf, "%ld %ld", &size, &rss) == 2 ? rss : -1;
}

static void report(const char *name, int r)
{
    printf("%s %d errno=%d\n", name, r, r < 0 ? errno : 0);
    errno = 0;
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);

    unsigned char *a = aligned_area(32);
    a[5 * PAGE] = 1;
    printf("write_fault window=%d next=%d\n", resident(a, WINDOW), resident(a + WINDOW * PAGE, WINDOW));

    volatile unsigned char *b = aligned_area(32);
    (void)b[5 * PAGE];
    printf("read_fault window=%d\n", resident((unsigned char *)b, WINDOW));

    unsigned char *c = aligned_area(32);
    report("nohugepage", madvise(c, 32 * PAGE, MADV_NOHUGEPAGE));
    c[5 * PAGE] = 1;
    printf("nohugepage window=%d\n", resident(c, WINDOW));
    report("hugepage", madvise(c, 32 * PAGE, MADV_HUGEPAGE));
    c[20 * PAGE] = 1;
    printf("hugepage again window=%d\n", resident(c + WINDOW * PAGE, WINDOW));

    /* A PROT_NONE page in the middle of the window splits the mapping: the window stops at it. */
    unsigned char *d = aligned_area(32);
    report("mprotect_none", mprotect(d + 8 * PAGE, PAGE, PROT_NONE));
    d[2 * PAGE] = 1;
    printf("split window=%d below=%d\n", resident(d, WINDOW), resident(d, 8));

    /* RSS counts every page of the window. */
    unsigned char *e = aligned_area(32);
    long before = rss_pages();
    before = rss_pages(); /* the first read may touch pages of its own */
    e[0] = 1;
    printf("rss_delta=%ld\n", rss_pages() - before);

    /* A forked child keeps MADV_NOHUGEPAGE. */
    unsigned char *f = aligned_area(32);
    madvise(f, 32 * PAGE, MADV_NOHUGEPAGE);
    pid_t pid = fork();
    if (pid == 0) {
        f[5 * PAGE] = 1;
        printf("child nohugepage window=%d\n", resident(f, WINDOW));
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);

    unsigned char *hole = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole + PAGE, PAGE);
    report("nohugepage_hole", madvise(hole, 3 * PAGE, MADV_NOHUGEPAGE));
    report("hugepage_hole", madvise(hole, 3 * PAGE, MADV_HUGEPAGE));
    return 0;
}
