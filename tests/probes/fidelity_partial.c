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
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
