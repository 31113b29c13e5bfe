/* Memory requests meant to exhaust the emulator rather than the guest: each must fail or succeed with an errno, and
 * the process must keep running. Prints only "survived" so native and emulated runs compare equal. */
#include "probe_common.h"

int main(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR | O_TRUNC);
    write(fd, "abc", 3);
    volatile long sink = 0;
    sink += (long)mmap(NULL, 30UL << 30, PROT_READ, MAP_PRIVATE, fd, 0);
    sink += (long)mmap(NULL, 1UL << 46, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sink += (long)mmap((void *)-4096L, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *big = mmap(NULL, 2UL << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (big != MAP_FAILED) {
        big[0] = 1;
        sink += (long)mremap(big, 2UL << 30, 3UL << 30, MREMAP_MAYMOVE);
    }
    for (int i = 0; i < 6000; i++) {
        void *p = mmap(NULL, 4096, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) break;
        sink += (long)p;
    }
    sink += syscall(SYS_brk, -4096L);
    sink += syscall(SYS_munmap, 0, 1UL << 62);
    sink += syscall(SYS_mprotect, 4096, (size_t)-4096, PROT_READ);
    close(fd);
    unlink(name);
    puts("survived");
    return 0;
}
