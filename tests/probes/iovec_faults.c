/* readv/writev: bad iovec arrays, IOV_MAX, a bad element after a good one. */
#include "probe_common.h"
#include <sys/uio.h>

int main(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR | O_TRUNC);
    char *page = page_then_hole();
    memset(page, 'y', 4096);

    report("writev_iov_unmapped", syscall(SYS_writev, fd, (void *)0x10, 1));
    struct iovec *many = calloc(1025, sizeof(struct iovec));
    for (int i = 0; i < 1025; i++) { many[i].iov_base = page; many[i].iov_len = 1; }
    report("writev_1025", syscall(SYS_writev, fd, many, 1025));
    report("writev_1024", syscall(SYS_writev, fd, many, 1024));
    report("writev_negative_count", syscall(SYS_writev, fd, many, -1));
    struct iovec two[2] = { { page, 8 }, { (void *)0x10, 8 } };
    report("writev_good_then_bad", syscall(SYS_writev, fd, two, 2));
    struct iovec straddle[1] = { { page + 4096 - 4, 64 } };
    report("writev_straddling", syscall(SYS_writev, fd, straddle, 1));
    struct iovec iov_hole[1] = { { page, 8 } };
    /* the iovec array itself straddles the hole */
    struct iovec *edge = (struct iovec *)(page + 4096 - sizeof(struct iovec));
    edge[0] = iov_hole[0];
    report("writev_array_straddles", syscall(SYS_writev, fd, edge, 2));
    lseek(fd, 0, SEEK_SET);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec rd[2] = { { page, 4 }, { ro, 4 } };
    report("readv_then_readonly", syscall(SYS_readv, fd, rd, 2));
    report("readv_1025", syscall(SYS_readv, fd, many, 1025));
    report("readv_zero_count", syscall(SYS_readv, fd, many, 0));
    struct iovec huge[2] = { { page, (size_t)1 << 62 }, { page, (size_t)1 << 62 } };
    report("writev_total_overflow", syscall(SYS_writev, fd, huge, 2));
    close(fd);
    unlink(name);
    return 0;
}
