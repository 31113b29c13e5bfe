/* Fidelity (issue 11), memory that must reach its target: mremap to a fixed address, MAP_SHARED file mappings that
 * must reach the file, shared anonymous memory across fork. Linux is the oracle.
 *
 *   mremap_fixed   mremap(MREMAP_MAYMOVE | MREMAP_FIXED) lands exactly on the target, contents moved
 *   shared_file    stores through a MAP_SHARED file mapping are in the file after msync, after munmap, and after the
 *                  writing process exits; a write() to the file shows in the mapping
 *   shared_anon    MAP_SHARED | MAP_ANONYMOUS memory is shared with a forked child, both ways
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096

static void file_text(int fd, off_t offset, const char *label)
{
    char b[16] = "";
    pread(fd, b, 5, offset);
    printf("%s file=\"%.5s\"\n", label, b);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "mremap_fixed") == 0) {
        char *a = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        strcpy(a, "moved");
        strcpy(a + PAGE, "page2");
        char *target = mmap(0, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *want = target + 3 * PAGE;
        char *got = mremap(a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, want);
        printf("landed_on_target=%d\n", got == want);
        if (got != MAP_FAILED) printf("contents=%s,%s\n", got, got + PAGE);
        printf("old_range_unmapped=%d\n", msync(a, PAGE, MS_ASYNC) != 0 && errno == ENOMEM);
        char *grown = mremap(want, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
        printf("grown_onto_target=%d contents=%s\n", grown == target, grown == target ? grown : "");
        report("fixed_without_maymove", (long)mremap(target, PAGE, PAGE, MREMAP_FIXED, target + 6 * PAGE));
    } else if (strcmp(mode, "shared_file") == 0) {
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        ftruncate(fd, 2 * PAGE);
        char *m = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        memcpy(m, "msync", 5);
        msync(m, PAGE, MS_SYNC);
        file_text(fd, 0, "after_msync");
        memcpy(m + PAGE, "unmap", 5);
        pwrite(fd, "wrote", 5, 100);
        printf("write_seen_in_mapping=%d\n", memcmp(m + 100, "wrote", 5) == 0);
        munmap(m, 2 * PAGE);
        file_text(fd, PAGE, "after_munmap");
        pid_t c = fork();
        if (c == 0) {
            char *cm = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            memcpy(cm + 200, "exits", 5);
            _exit(0);
        }
        waitpid(c, 0, 0);
        file_text(fd, 200, "after_child_exit");
        unlink(name);
    } else if (strcmp(mode, "shared_anon") == 0) {
        volatile int *shared = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        shared[0] = 1;
        int p[2];
        pipe(p);
        pid_t c = fork();
        if (c == 0) {
            shared[1] = shared[0] + 41;
            char go;
            read(p[0], &go, 1);
            _exit(shared[2] == 99 ? 0 : 1);
        }
        while (shared[1] != 42) {
            int status;
            if (waitpid(c, &status, WNOHANG) == c) { printf("child ended early\n"); break; }
            struct timespec t = { 0, 1000000 };
            nanosleep(&t, 0);
        }
        printf("child_write_seen=%d\n", shared[1] == 42);
        shared[2] = 99;
        write(p[1], "g", 1);
        int status = 0;
        waitpid(c, &status, 0);
        printf("parent_write_seen_by_child=%d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
