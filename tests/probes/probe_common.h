/* Shared helpers for the probe programs: each probe prints one line per check, "name ret errno", so the output of
 * a native run and a run under usermem-run can be compared byte for byte. Raw syscall() is used throughout so the C
 * library cannot answer for the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static void report(const char *name, long ret)
{
    printf("%s ret=%ld errno=%d\n", name, ret, ret < 0 ? errno : 0);
    fflush(stdout);
    errno = 0;
}

/* Two pages with the second unmapped: returns the first page; bytes after it fault. */
static char *page_then_hole(void)
{
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    munmap(p + 4096, 4096);
    return p;
}

static char *scratch_file(char *name_out)
{
    strcpy(name_out, "/tmp/usermem-probe-XXXXXX");
    int fd = mkstemp(name_out);
    if (fd < 0) { perror("mkstemp"); exit(2); }
    close(fd);
    return name_out;
}
