/* Fidelity (issue 11), file calls that real programs reach (Go's linker, io.Copy): the native run is the oracle.
 *
 *   fallocate        allocate and extend a regular file, KEEP_SIZE, punch a hole (reads back zeros), bad modes and
 *                    ranges, a pipe (ESPIPE), a read-only descriptor (EBADF), /proc files opened read-only and
 *                    for writing
 *   copy_file_range  between regular files, from a /proc file (EINVAL: the caller falls back to read and write), a
 *                    closed descriptor (EBADF), a pipe
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/stat.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif

static long file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

static void fallocate_cases(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR);
    report("fallocate_extend", syscall(SYS_fallocate, fd, 0, 0L, 8192L));
    printf("size=%ld\n", file_size(fd));
    report("fallocate_keep_size", syscall(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 8192L, 8192L));
    printf("size=%ld\n", file_size(fd));
    char data[4096];
    memset(data, 'x', sizeof data);
    pwrite(fd, data, sizeof data, 0);
    report("fallocate_punch", syscall(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1024L, 1024L));
    char back[4096];
    pread(fd, back, sizeof back, 0);
    printf("punched: [1023]=%c [1024]=%d [2047]=%d [2048]=%c size=%ld\n", back[1023], back[1024], back[2047], back[2048], file_size(fd));
    report("fallocate_punch_without_keep", syscall(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE, 0L, 4096L));
    report("fallocate_zero_length", syscall(SYS_fallocate, fd, 0, 0L, 0L));
    report("fallocate_negative_offset", syscall(SYS_fallocate, fd, 0, -1L, 10L));
    report("fallocate_unknown_mode", syscall(SYS_fallocate, fd, 0x4000, 0L, 10L));
    close(fd);
    fd = open(name, O_RDONLY);
    report("fallocate_read_only", syscall(SYS_fallocate, fd, 0, 0L, 10L));
    close(fd);
    unlink(name);
    report("fallocate_closed", syscall(SYS_fallocate, 999, 0, 0L, 10L));
    int p[2];
    pipe(p);
    report("fallocate_pipe", syscall(SYS_fallocate, p[1], 0, 0L, 10L));
    close(p[0]);
    close(p[1]);
    fd = open("/proc/self/status", O_RDONLY);
    report("fallocate_proc_read_only", syscall(SYS_fallocate, fd, 0, 0L, 10L));
    close(fd);
}

static void copy_file_range_cases(void)
{
    char src_name[64], dst_name[64];
    scratch_file(src_name);
    scratch_file(dst_name);
    int src = open(src_name, O_RDWR);
    int dst = open(dst_name, O_RDWR);
    write(src, "hello, range\n", 13);
    loff_t in_off = 0;
    report("copy_file_range_files", syscall(SYS_copy_file_range, src, &in_off, dst, NULL, 13L, 0));
    printf("in_off=%lld dst_size=%ld\n", (long long)in_off, file_size(dst));
    int proc = open("/proc/self/cmdline", O_RDONLY);
    report("copy_file_range_from_proc", syscall(SYS_copy_file_range, proc, NULL, dst, NULL, 64L, 0));
    report("copy_file_range_closed_in", syscall(SYS_copy_file_range, 999, NULL, dst, NULL, 64L, 0));
    report("copy_file_range_closed_out", syscall(SYS_copy_file_range, src, NULL, 999, NULL, 64L, 0));
    report("copy_file_range_bad_flags", syscall(SYS_copy_file_range, src, NULL, dst, NULL, 64L, 1));
    close(proc);
    close(src);
    close(dst);
    unlink(src_name);
    unlink(dst_name);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "fallocate") == 0) {
        fallocate_cases();
    } else if (strcmp(mode, "copy_file_range") == 0) {
        copy_file_range_cases();
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
