/* MAP_PRIVATE of a sparse file larger than 256 MiB: a few pages touched (file bytes, private stores, the zero tail of
 * the last page), SIGBUS (BUS_ADRERR, si_addr) on a page wholly past the file's end, also after a truncation, and a
 * forked child reading the mapping. */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

#define MIB (1024L * 1024L)
#define FILE_SIZE (300 * MIB + 100)
#define MAP_SIZE (320 * MIB)

static sigjmp_buf jump;
static volatile long fault_offset;
static volatile int fault_code;
static char *base;

static void on_bus(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    fault_code = info->si_code;
    fault_offset = (char *)info->si_addr - base;
    siglongjmp(jump, 1);
}

/* Reads one byte at offset; prints the byte or the signal it raised. */
static void touch(const char *name, long offset, int write)
{
    fault_offset = -1;
    fault_code = 0;
    if (sigsetjmp(jump, 1) == 0) {
        int value;
        if (write) {
            base[offset] = 'w';
            value = base[offset];
        } else {
            value = ((volatile char *)base)[offset];
        }
        printf("%s byte=%d\n", name, value);
    } else {
        printf("%s SIGBUS code=%d at_offset=%ld\n", name, fault_code, fault_offset);
    }
    fflush(stdout);
}

int main(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR | O_TRUNC);
    report("ftruncate_sparse", ftruncate(fd, FILE_SIZE));
    pwrite(fd, "head", 4, 0);
    pwrite(fd, "middle", 6, 150 * MIB + 7);
    pwrite(fd, "tail", 4, FILE_SIZE - 4);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);

    base = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("mmap_320mib_private", base == MAP_FAILED ? -1 : 0);
    if (base == MAP_FAILED) return 1;
    printf("head %.4s middle %.6s tail %.4s\n", base, base + 150 * MIB + 7, base + FILE_SIZE - 4);
    touch("hole_page", 200 * MIB + 12345, 0);
    touch("last_byte", FILE_SIZE - 1, 0);
    touch("zero_tail", FILE_SIZE, 0);
    touch("end_of_last_page", (FILE_SIZE | 4095), 0);
    touch("first_page_past_end", (FILE_SIZE | 4095) + 1, 0);
    touch("write_past_end", 310 * MIB + 5, 1);
    touch("private_store", 100 * MIB, 1);
    char buf[1] = {1};
    pread(fd, buf, 1, 100 * MIB);
    printf("file unchanged byte=%d\n", buf[0]);
    fflush(stdout);

    pid_t child = fork();
    if (child == 0) {
        printf("child head %.4s middle %.6s store %c\n", base, base + 150 * MIB + 7, base[100 * MIB]);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    report("ftruncate_shrink", ftruncate(fd, 8192));
    touch("after_shrink_below_end", 4096 + 3, 0);
    touch("after_shrink_untouched_page", 50 * MIB, 0);
    touch("after_shrink_past_end", 8192, 0);
    report("munmap", munmap(base, MAP_SIZE));
    int wronly = open(name, O_WRONLY);
    report("mmap_private_write_only_fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wronly, 0));
    close(wronly);
    int path_only = open(name, O_PATH);
    report("mmap_private_o_path_fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, path_only, 0));
    close(path_only);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    report("mmap_private_directory", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dir, 0));
    close(dir);
    close(fd);
    unlink(name);
    return 0;
}
