/* madvise as Linux answers it: MADV_DONTNEED frees private pages (anonymous memory reads zero again, a private file
 * mapping reads the file again, a MAP_SHARED mapping keeps its contents), a range with an unmapped part is ENOMEM
 * (after the advice reached the mapped part), zero length, misaligned start and unknown advice. The runner once
 * ignored every advice. Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void report(const char *name, int r)
{
    printf("%s %d errno=%d\n", name, r, r < 0 ? errno : 0);
    errno = 0;
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    unsigned char *anon = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(anon, 0x11, 4 * PAGE);
    report("dontneed_anon", madvise(anon + PAGE, 2 * PAGE, MADV_DONTNEED));
    printf("anon after: %d %d %d %d\n", anon[0], anon[PAGE], anon[2 * PAGE + 100], anon[3 * PAGE]);
    anon[PAGE] = 7;
    printf("anon rewritten: %d\n", anon[PAGE]);

    char name[] = "/tmp/madvise_XXXXXX";
    int fd = mkstemp(name);
    unsigned char contents[2 * PAGE];
    memset(contents, 0x22, sizeof contents);
    if (fd < 0 || write(fd, contents, sizeof contents) != (ssize_t)sizeof contents) return 2;
    unlink(name);
    unsigned char *priv = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    priv[0] = 0x33;
    priv[PAGE] = 0x44;
    report("dontneed_private_file", madvise(priv, PAGE, MADV_DONTNEED));
    printf("private file after: %d %d\n", priv[0], priv[PAGE]);

    unsigned char *shared = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = 0x55;
    report("dontneed_shared", madvise(shared, PAGE, MADV_DONTNEED));
    printf("shared after: %d\n", shared[0]);

    unsigned char *hole = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(hole, 0x66, 3 * PAGE);
    munmap(hole + 2 * PAGE, PAGE);
    report("dontneed_with_hole", madvise(hole, 3 * PAGE, MADV_DONTNEED));
    printf("mapped part after: %d %d\n", hole[0], hole[PAGE]);
    report("willneed_with_hole", madvise(hole, 3 * PAGE, MADV_WILLNEED));
    report("unmapped", madvise(hole + 2 * PAGE, PAGE, MADV_NORMAL));
    report("zero_length", madvise(hole + 2 * PAGE, 0, MADV_DONTNEED));
    report("misaligned", madvise(hole + 1, PAGE, MADV_DONTNEED));
    report("unknown_advice", madvise(hole, PAGE, 6));
    report("free", madvise(anon, PAGE, MADV_FREE));
    report("dontfork", madvise(anon, PAGE, MADV_DONTFORK));
    report("dofork", madvise(anon, PAGE, MADV_DOFORK));

    anon[2 * PAGE] = 9;
    report("dontneed_then_fork", madvise(anon + 2 * PAGE, PAGE, MADV_DONTNEED));
    pid_t child = fork();
    if (child == 0) {
        printf("child sees: %d %d\n", anon[PAGE], anon[2 * PAGE]);
        _exit(0);
    }
    waitpid(child, 0, 0);
    return 0;
}
