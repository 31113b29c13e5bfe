/* Fidelity (issue 11), memory that must reach its target: mremap to a fixed address, MAP_SHARED file mappings that
 * must reach the file, shared anonymous memory across fork. Linux is the oracle.
 *
 *   mremap_fixed   mremap(MREMAP_MAYMOVE | MREMAP_FIXED) lands exactly on the target, contents moved
 *   shared_file    stores through a MAP_SHARED file mapping are in the file after msync, after munmap, and after the
 *                  writing process exits; a write() to the file shows in the mapping
 *   shared_anon    MAP_SHARED | MAP_ANONYMOUS memory is shared with a forked child, both ways
 *   shared_fork    a MAP_SHARED file mapping and shared anonymous memory inherited by a child and a grandchild:
 *                  their stores show in the parent's mappings and the file; private memory stays private
 *   shrunk_elsewhere  a forked child shrinks a file the parent maps: Linux raises SIGBUS on the parent's next access;
 *                  the runner (whose host views still map the old pages) must survive it, and after its next memory
 *                  syscall report SIGBUS as Linux does (the first access may read zero instead: see MemoryFidelityTests)
 *   shared_file_edges  the page holding the file's end maps (its tail reads zero and never reaches the file), pages
 *                  past it are SIGBUS BUS_ADRERR for the CPU and EFAULT for a syscall; ftruncate growing the file
 *                  makes them usable, shrinking it makes them SIGBUS again; EACCES for a shared writable mapping of a
 *                  read-only descriptor (mmap and mprotect) and for any mapping of a write-only one
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096

static void file_text(int fd, off_t offset, const char *label)
{
    char b[16] = "";
    pread(fd, b, 5, offset);
    printf("%s file=\"%.5s\"\n", label, b);
}

static sigjmp_buf recover;
static volatile int fault_signo, fault_code;
static volatile char *fault_addr;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)context;
    fault_signo = sig;
    fault_code = info->si_code;
    fault_addr = info->si_addr;
    siglongjmp(recover, 1);
}

/* Loads *p (or stores when value >= 0) and prints what happened. */
static void touch(const char *label, volatile char *p, int value)
{
    fault_signo = 0;
    if (sigsetjmp(recover, 1) == 0) {
        int got = value >= 0 ? (*p = (char)value) : *p;
        printf("%s ok value=%d\n", label, got);
    } else {
        printf("%s signo=%d code=%d addr_exact=%d\n", label, fault_signo, fault_code, fault_addr == p);
    }
}

static void shared_file_edges(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);

    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR);
    ftruncate(fd, PAGE + 100);
    pwrite(fd, "edge", 4, PAGE + 50);
    char *m = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    touch("eof_page_data", m + PAGE + 50, -1);
    touch("eof_page_tail", m + PAGE + 200, -1);
    touch("eof_page_tail_store", m + PAGE + 300, 7);
    struct stat st;
    fstat(fd, &st);
    printf("size_after_tail_store=%ld\n", (long)st.st_size);
    touch("past_eof_load", m + 2 * PAGE + 8, -1);
    touch("past_eof_store", m + 3 * PAGE, 1);
    report("read_into_past_eof", pread(fd, m + 2 * PAGE, 10, 0));
    report("write_from_past_eof", write(fd, m + 2 * PAGE, 10));
    ftruncate(fd, 3 * PAGE);
    touch("grown_load", m + 2 * PAGE + 8, -1);
    touch("grown_store", m + 2 * PAGE + 9, 'g');
    char b[4] = "";
    pread(fd, b, 1, 2 * PAGE + 9);
    printf("grown_store_in_file=%d\n", b[0] == 'g');
    touch("still_past_eof", m + 3 * PAGE, -1);
    ftruncate(fd, PAGE);
    touch("shrunk_load", m + PAGE + 8, -1);
    touch("kept_load", m + 8, -1);
    report("msync_sync", msync(m, 4 * PAGE, MS_SYNC));
    ftruncate(fd, 4 * PAGE);
    munmap(m + 2 * PAGE, 2 * PAGE);
    char *grown = mremap(m, 2 * PAGE, 3 * PAGE, 0);
    printf("mremap_grow_in_place=%d\n", grown == m);
    char *moved = mremap(m, 3 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    moved[3 * PAGE + 5] = 'm';
    char c = 0;
    pread(fd, &c, 1, 3 * PAGE + 5);
    printf("mremap_moved_store_in_file=%d\n", c == 'm');
    pwrite(fd, "after", 5, 2 * PAGE);
    printf("mremap_moved_sees_file=%d\n", memcmp(moved + 2 * PAGE, "after", 5) == 0);
    m = moved;
    munmap(m, 4 * PAGE);
    close(fd);

    int ro = open(name, O_RDONLY);
    report("shared_write_on_rdonly", (long)mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    char *r = mmap(0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
    printf("shared_read_on_rdonly=%d\n", r != MAP_FAILED);
    report("mprotect_write_on_rdonly", mprotect(r, PAGE, PROT_READ | PROT_WRITE));
    char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    printf("private_write_on_rdonly=%d\n", p != MAP_FAILED);
    close(ro);
    int wo = open(name, O_WRONLY);
    report("shared_read_on_wronly", (long)mmap(0, PAGE, PROT_READ, MAP_SHARED, wo, 0));
    close(wo);
    unlink(name);
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
    } else if (strcmp(mode, "shared_fork") == 0) {
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        ftruncate(fd, PAGE);
        char *file = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        char *anon = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        char *priv = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        strcpy(priv, "parent");
        pid_t c = fork();
        if (c == 0) {
            pid_t g = fork();
            if (g == 0) {
                strcpy(file + 10, "grandchild");
                strcpy(anon + PAGE, "grandchild");
                strcpy(priv, "grandchild");
                _exit(0);
            }
            waitpid(g, 0, 0);
            strcpy(file, "child");
            strcpy(anon, "child");
            strcpy(priv, "child");
            _exit(strcmp(anon + PAGE, "grandchild") == 0 ? 0 : 1);
        }
        int status = 0;
        waitpid(c, &status, 0);
        printf("child_saw_grandchild=%d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
        printf("file_mapping=%s,%s anon=%s,%s private=%s\n", file, file + 10, anon, anon + PAGE, priv);
        file_text(fd, 0, "file_start");
        file_text(fd, 10, "file_at_10");
        unlink(name);
    } else if (strcmp(mode, "shrunk_elsewhere") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigaction(SIGBUS, &sa, 0);
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        ftruncate(fd, 3 * PAGE);
        char *m = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        m[2 * PAGE] = 'x';
        pid_t c = fork();
        if (c == 0) {
            ftruncate(fd, PAGE);
            _exit(0);
        }
        waitpid(c, 0, 0);
        touch("first_access", m + 2 * PAGE, -1);
        touch("first_store", m + PAGE + 1, 'y');
        report("msync", msync(m, PAGE, MS_ASYNC));
        touch("after_syscall", m + 2 * PAGE, -1);
        touch("kept", m + 1, 'k');
        ftruncate(fd, 3 * PAGE);
        touch("regrown", m + 2 * PAGE, -1);
        unlink(name);
    } else if (strcmp(mode, "shared_file_edges") == 0) {
        shared_file_edges();
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
