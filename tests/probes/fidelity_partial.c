/* Fidelity (issue 11), partly bad buffers: Linux's answer depends on the file, so each case prints the raw result and
 * errno and the native run is the oracle.
 *
 *   pipe       small and large pipe writes whose buffer faults part-way, reads into a partly mapped buffer
 *   devnull    /dev/null and /dev/zero with unmapped and partly mapped buffers
 *   getrandom  into a partly mapped buffer
 *   wrap       read/write whose buf + count wraps around the address space: EFAULT before anything is touched
 *   file       regular file writes and reads with a partly mapped buffer
 *   nonblock   writev of 4 KiB into a non-blocking pipe with 2 KiB free: EAGAIN (a pipe write of at most PIPE_BUF is
 *              atomic)
 *   vectors    readv/writev/preadv/pwritev/preadv2/pwritev2 with partly mapped and unmapped elements, on pipes,
 *              /dev/null and a regular file
 *   order      which error wins when several apply: descriptor mode, seekability, position, flags, then the buffer
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <stdint.h>
#include <sys/uio.h>

#define PAGE 4096

static void drain(int fd)
{
    char b[65536];
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    while (read(fd, b, sizeof b) > 0) { }
    fcntl(fd, F_SETFL, flags);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    char *page = page_then_hole();
    char *hole = page + PAGE;
    memset(page, 'a', PAGE);
    int p[2];
    pipe(p);
    if (strcmp(mode, "pipe") == 0) {
        report("pipe_write_small_faults_partway", syscall(SYS_write, p[1], hole - 10, 20));
        drain(p[0]);
        report("pipe_write_unmapped", syscall(SYS_write, p[1], hole, 20));
        report("pipe_write_large_faults_after_a_page", syscall(SYS_write, p[1], page, 2 * PAGE));
        drain(p[0]);
        report("pipe_write_large_faults_inside_first_page", syscall(SYS_write, p[1], hole - 100, 2 * PAGE));
        drain(p[0]);
        write(p[1], "0123456789abcdefghij", 20);
        report("pipe_read_into_partly_mapped", syscall(SYS_read, p[0], hole - 10, 20));
        report("pipe_read_rest", syscall(SYS_read, p[0], page, 20));
        write(p[1], "xyz", 3);
        report("pipe_read_into_unmapped", syscall(SYS_read, p[0], hole, 3));
        report("pipe_read_after_fault", syscall(SYS_read, p[0], page, 3));
        close(p[1]);
        report("pipe_read_at_eof_into_unmapped", syscall(SYS_read, p[0], hole, 3));
    } else if (strcmp(mode, "devnull") == 0) {
        int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDONLY);
        report("devnull_write_unmapped", syscall(SYS_write, null, hole, 100));
        report("devnull_write_null", syscall(SYS_write, null, 0, 100));
        report("devnull_write_partly_mapped", syscall(SYS_write, null, hole - 10, 100));
        report("devnull_read_unmapped", syscall(SYS_read, null, hole, 100));
        report("devzero_read_partly_mapped", syscall(SYS_read, zero, hole - 10, 100));
        report("devzero_read_unmapped", syscall(SYS_read, zero, hole, 100));
    } else if (strcmp(mode, "getrandom") == 0) {
        report("getrandom_partly_mapped", syscall(SYS_getrandom, hole - 16, 64, 0));
        report("getrandom_unmapped", syscall(SYS_getrandom, hole, 64, 0));
        report("getrandom_mapped", syscall(SYS_getrandom, page, 64, 0));
    } else if (strcmp(mode, "wrap") == 0) {
        int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDONLY);
        size_t wraps = (size_t)0 - (uintptr_t)page + 100;
        report("devnull_write_wraps", syscall(SYS_write, null, page, wraps));
        report("devzero_read_wraps", syscall(SYS_read, zero, page, wraps));
        printf("page_untouched=%d\n", page[0] == 'a' && page[PAGE - 1] == 'a');
        report("pipe_write_wraps", syscall(SYS_write, p[1], page, wraps));
        report("devnull_write_top_of_space", syscall(SYS_write, null, (void *)-16L, 32));
        report("devzero_read_top_of_space", syscall(SYS_read, zero, (void *)-16L, 32));
        report("devnull_write_noncanonical", syscall(SYS_write, null, (void *)0x0000800000000000UL, 32));
    } else if (strcmp(mode, "file") == 0) {
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        report("file_write_partly_mapped", syscall(SYS_write, fd, hole - 10, 20));
        report("file_write_unmapped", syscall(SYS_write, fd, hole, 20));
        report("file_size", lseek(fd, 0, SEEK_END));
        write(fd, "0123456789012345678901234567890123456789", 40);
        lseek(fd, 0, SEEK_SET);
        report("file_read_into_partly_mapped", syscall(SYS_read, fd, hole - 10, 40));
        report("file_offset_after", lseek(fd, 0, SEEK_CUR));
        report("file_pread_into_unmapped", syscall(SYS_pread64, fd, hole, 10, 0));
        unlink(name);
    } else if (strcmp(mode, "nonblock") == 0) {
        /* The default pipe: 16 page-sized slots. 62 KiB leaves 2 KiB free in the last slot. */
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        static char fill[62 * 1024];
        report("fill_62k", write(p[1], fill, sizeof fill));
        struct iovec two[2] = { { page, 2048 }, { page, 2048 } };
        report("writev_4k_into_2k_free", syscall(SYS_writev, p[1], two, 2));
        report("write_4k_into_2k_free", syscall(SYS_write, p[1], page, PAGE));
        struct iovec small[2] = { { page, 1024 }, { page, 1024 } };
        report("writev_2k_into_2k_free", syscall(SYS_writev, p[1], small, 2));
        report("write_into_full_pipe", syscall(SYS_write, p[1], page, 1));
        drain(p[0]);
        static char big[80 * 1024];
        report("write_80k_into_empty_pipe", syscall(SYS_write, p[1], big, sizeof big));
    } else if (strcmp(mode, "vectors") == 0) {
        int null = open("/dev/null", O_RDWR);
        write(p[1], "0123456789abcdefghij", 20);
        struct iovec good_then_partly[2] = { { page, 5 }, { hole - 4, 10 } };
        report("readv_pipe_second_element_partly_mapped", syscall(SYS_readv, p[0], good_then_partly, 2));
        report("read_pipe_rest", syscall(SYS_read, p[0], page, 20));
        struct iovec unmapped_second[2] = { { page, 10 }, { hole, 10 } };
        report("writev_devnull_unmapped_element", syscall(SYS_writev, null, unmapped_second, 2));
        report("writev_pipe_small_unmapped_element", syscall(SYS_writev, p[1], unmapped_second, 2));
        drain(p[0]);
        struct iovec partly[2] = { { page, 10 }, { hole - 10, 20 } };
        report("writev_pipe_small_partly_mapped", syscall(SYS_writev, p[1], partly, 2));
        drain(p[0]);
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        report("pwritev_file_partly_mapped", syscall(SYS_pwritev, fd, partly, 2, 100L, 0L));
        report("file_size", lseek(fd, 0, SEEK_END));
        write(fd, "0123456789012345678901234567890123456789", 40);
        report("preadv_file_partly_mapped", syscall(SYS_preadv, fd, partly, 2, 0L, 0L));
        report("offset_unchanged", lseek(fd, 0, SEEK_CUR));
        lseek(fd, 0, SEEK_SET);
        report("preadv2_current_position", syscall(SYS_preadv2, fd, partly, 2, -1L, 0L, 0));
        report("offset_after", lseek(fd, 0, SEEK_CUR));
        report("pwritev2_current_position", syscall(SYS_pwritev2, fd, good_then_partly, 1, -1L, 0L, 0));
        report("preadv_unmapped_elements", syscall(SYS_preadv, fd, unmapped_second, 2, 0L, 0L));
        report("preadv_at_end_into_unmapped", syscall(SYS_preadv, fd, unmapped_second, 2, 1L << 20, 0L));
        struct iovec many[8];
        for (int i = 0; i < 8; i++) { many[i].iov_base = i % 2 ? hole : page + i; many[i].iov_len = 3; }
        report("writev_devnull_alternating_unmapped", syscall(SYS_writev, null, many, 8));
        report("readv_devzero_alternating_unmapped", syscall(SYS_readv, open("/dev/zero", O_RDONLY), many, 8));
        unlink(name);
    } else if (strcmp(mode, "order") == 0) {
        int wronly = open("/dev/null", O_WRONLY), rdonly = open("/dev/zero", O_RDONLY);
        size_t wraps = (size_t)0 - (uintptr_t)page + 100;
        report("read_writeonly_fd_wrapping_buffer", syscall(SYS_read, wronly, page, wraps));
        report("write_readonly_fd_wrapping_buffer", syscall(SYS_write, rdonly, page, wraps));
        report("pread_pipe_wrapping_buffer", syscall(SYS_pread64, p[0], page, wraps, 0L));
        report("pread_negative_position_bad_fd", syscall(SYS_pread64, 999, page, 1, -1L));
        report("readv_writeonly_fd_bad_vector", syscall(SYS_readv, wronly, (void *)hole, 1));
        report("readv_writeonly_fd_count_minus_1", syscall(SYS_readv, wronly, (void *)hole, -1L));
        report("readv_bad_vector", syscall(SYS_readv, rdonly, (void *)hole, 1));
        report("readv_count_0_bad_vector", syscall(SYS_readv, rdonly, (void *)hole, 0));
        struct iovec v = { page, 1 };
        report("preadv_pipe", syscall(SYS_preadv, p[0], &v, 1, 0L, 0L));
        report("preadv_negative_position_bad_fd", syscall(SYS_preadv, 999, &v, 1, -1L, 0L));
        report("preadv2_position_minus_2", syscall(SYS_preadv2, rdonly, &v, 1, -2L, 0L, 0));
        report("preadv2_bad_flags", syscall(SYS_preadv2, rdonly, &v, 1, -1L, 0L, 0x40000000));
        report("getrandom_bad_flags_wrapping_buffer", syscall(SYS_getrandom, page, wraps, 0x100));
        report("getrandom_size_max", syscall(SYS_getrandom, page, (size_t)-1, 0));
        long long off = 0;
        report("sendfile_bad_offset_pointer_bad_fd", syscall(SYS_sendfile, 999, 998, (void *)hole, 10));
        report("sendfile_count_size_max", syscall(SYS_sendfile, wronly, rdonly, &off, (size_t)-1));
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
