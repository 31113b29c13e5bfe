/* Memory syscalls: private file mappings, mprotect, mremap, munmap edge cases, brk. */
#include "probe_common.h"

int main(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR | O_TRUNC);
    for (int i = 0; i < 3000; i++) write(fd, "0123456789", 10);
    char *m = mmap(NULL, 30000, PROT_READ, MAP_PRIVATE, fd, 0);
    report("mmap_file_ok", m == MAP_FAILED ? -1 : 0);
    printf("bytes %.10s %.10s last=%c past_end=%d\n", m, m + 8190, m[29999], m[30000]);
    char *m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 8192);
    printf("offset mapping %.5s\n", m2);
    m2[0] = 'X';
    char buf[5];
    pread(fd, buf, 5, 8192);
    printf("private write stays private: %.5s %.5s\n", m2, buf);
    report("mmap_unaligned_offset", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100));
    report("mmap_zero_length", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    report("mmap_bad_fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0));
    report("mmap_no_type", (long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    report("munmap_unaligned", munmap(m + 1, 4096));
    report("munmap_zero", munmap(m, 0));
    report("munmap_unmapped_ok", munmap((void *)0x200000000, 4096));
    report("mprotect_unaligned", mprotect(m + 1, 4096, PROT_READ));
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(a, "keep me");
    report("mprotect_readonly", mprotect(a, 4096, PROT_READ));
    report("write_from_readonly_ok", write(fd, a, 1) == 1 ? 0 : -1);
    report("read_at_eof_into_readonly", read(fd, a, 1));
    lseek(fd, 0, SEEK_SET);
    report("read_data_into_readonly", read(fd, a, 1));
    munmap(a + 4096, 4096);
    report("mprotect_partly_unmapped", mprotect(a, 8192, PROT_READ | PROT_WRITE));
    char *g = mremap(a, 4096, 64 * 4096, MREMAP_MAYMOVE);
    report("mremap_grow", g == MAP_FAILED ? -1 : 0);
    printf("after mremap: %s\n", g);
    report("mremap_bad_flags", (long)mremap(g, 4096, 8192, 0x100));
    /* raw brk: musl's brk() wrapper always fails */
    long b0 = syscall(SYS_brk, 0);
    report("brk_grow", syscall(SYS_brk, b0 + 100000) == b0 + 100000 ? 0 : -1);
    memset((void *)b0, 1, 100000);
    report("brk_shrink", syscall(SYS_brk, b0) == b0 ? 0 : -1);
    report("brk_below_start_unchanged", syscall(SYS_brk, 4096) == b0 ? 0 : -1);
    close(fd);
    unlink(name);
    return 0;
}
