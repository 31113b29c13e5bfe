/* read/write with hostile buffers: unmapped, partly mapped, read-only, NULL with zero length. */
#include "probe_common.h"

int main(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR | O_TRUNC);
    char *page = page_then_hole();
    memset(page, 'x', 4096);

    report("write_unmapped", syscall(SYS_write, fd, (void *)0x10, 10));
    report("write_partly_mapped", syscall(SYS_write, fd, page + 4096 - 5, 10));
    report("write_null_zero_len", syscall(SYS_write, fd, NULL, 0));
    report("write_whole_page", syscall(SYS_write, fd, page, 4096));
    lseek(fd, 0, SEEK_SET);

    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("read_into_readonly", syscall(SYS_read, fd, ro, 10));
    report("read_into_unmapped", syscall(SYS_read, fd, page + 4096, 10));
    report("read_partly_mapped", syscall(SYS_read, fd, page + 4096 - 3, 10));
    report("offset_after_partial_read", lseek(fd, 0, SEEK_CUR));
    report("read_null_zero_len", syscall(SYS_read, fd, NULL, 0));
    report("pwrite_partly_mapped", syscall(SYS_pwrite64, fd, page + 4096 - 7, 100, 50));
    report("pread_into_readonly", syscall(SYS_pread64, fd, ro, 10, 0));
    report("write_bad_fd", syscall(SYS_write, 999, page, 1));
    report("read_huge_count_unmapped", syscall(SYS_read, fd, (void *)0x10, (size_t)-1));
    close(fd);
    unlink(name);
    return 0;
}
