/* What a fork does with madvise's fork advice and with private file mappings, as Linux does it:
 * - MADV_DONTFORK: the child has no mapping there (SIGSEGV, SEGV_MAPERR, and MAP_FIXED_NOREPLACE succeeds there), the
 *   parent keeps its bytes; also on MAP_SHARED memory;
 * - MADV_WIPEONFORK: the child reads zero, the parent keeps its bytes, and the advice stays in the child (a grandchild
 *   reads zero too); EINVAL on a private file mapping and on MAP_SHARED memory (the anonymous part before a shared one
 *   changes anyway); ENOMEM for a range with a hole (the mapped parts change anyway); mremap keeps the advice;
 * - MADV_DOFORK and MADV_KEEPONFORK undo them;
 * - a vfork child shares the memory: the advice does not apply;
 * - the same after the process wrote over 32 MiB (the runner then lends its memory to a forked child instead of
 *   copying it);
 * - a MAP_PRIVATE file mapping longer than the file: the child reads pages nobody touched from the file as it is when
 *   touched, gets SIGBUS (BUS_ADRERR, exact si_addr) past the file's end, and its stores reach neither the parent nor
 *   the file.
 * Each child reports on standard output before the parent goes on, so the output is ordered. */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

#define PAGE 4096L
#define FILE_PAGES 40
#define FILE_SIZE (FILE_PAGES * PAGE + 100)
#define FILE_MAP_PAGES 44
#define BIG (40L << 20)

static sigjmp_buf jump;
static volatile int fault_signal;
static volatile int fault_code;
static volatile long fault_offset;
static char *fault_base;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)context;
    fault_signal = sig;
    fault_code = info->si_code;
    fault_offset = (char *)info->si_addr - fault_base;
    siglongjmp(jump, 1);
}

/* Reads (or writes) one byte at base + offset; prints the byte or the signal it raised. */
static void touch(const char *name, char *base, long offset, int write)
{
    fault_base = base;
    fault_signal = 0;
    if (sigsetjmp(jump, 1) == 0) {
        int value;
        if (write) {
            ((volatile char *)base)[offset] = 'C';
        }
        value = ((volatile unsigned char *)base)[offset];
        printf("%s byte=%d\n", name, value);
    } else {
        printf("%s signal=%d code=%d at_offset=%ld\n", name, fault_signal, fault_code, fault_offset);
    }
    fflush(stdout);
}

static unsigned char pattern(long offset)
{
    return (unsigned char)((offset / PAGE * 7) + (offset % 251) + 1);
}

static char *anon(long pages, int shared)
{
    char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return p;
}

static void wait_child(const char *name, pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); exit(2); }
    if (WIFEXITED(status)) {
        printf("%s exited %d\n", name, WEXITSTATUS(status));
    } else {
        printf("%s killed by %d\n", name, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    }
    fflush(stdout);
}

/* DONTFORK, WIPEONFORK, their undoing, a grandchild and mremap, printed with a prefix. */
static void advice_round(const char *round)
{
    char name[128];
    char *dont = anon(2, 0);
    char *wipe = anon(2, 0);
    char *undone = anon(2, 0);
    char *shared = anon(1, 1);
    char *moved = anon(1, 0);
    memset(dont, 0x11, 2 * PAGE);
    memset(wipe, 0x22, 2 * PAGE);
    memset(undone, 0x33, 2 * PAGE);
    memset(shared, 0x44, PAGE);
    memset(moved, 0x55, PAGE);
    snprintf(name, sizeof name, "%s dontfork", round);
    report(name, madvise(dont + PAGE, PAGE, MADV_DONTFORK));
    snprintf(name, sizeof name, "%s wipeonfork", round);
    report(name, madvise(wipe, PAGE, MADV_WIPEONFORK));
    snprintf(name, sizeof name, "%s dontfork_shared", round);
    report(name, madvise(shared, PAGE, MADV_DONTFORK));
    snprintf(name, sizeof name, "%s undone_dontfork", round);
    report(name, madvise(undone, 2 * PAGE, MADV_DONTFORK));
    snprintf(name, sizeof name, "%s undone_dofork", round);
    report(name, madvise(undone, PAGE, MADV_DOFORK));
    snprintf(name, sizeof name, "%s undone_wipeonfork", round);
    report(name, madvise(undone + PAGE, PAGE, MADV_WIPEONFORK));
    snprintf(name, sizeof name, "%s undone_dofork_again", round);
    report(name, madvise(undone + PAGE, PAGE, MADV_DOFORK));
    snprintf(name, sizeof name, "%s undone_keeponfork", round);
    report(name, madvise(undone, 2 * PAGE, MADV_KEEPONFORK));
    snprintf(name, sizeof name, "%s moved_wipeonfork", round);
    report(name, madvise(moved, PAGE, MADV_WIPEONFORK));
    char *grown = mremap(moved, PAGE, 3 * PAGE, MREMAP_MAYMOVE);
    snprintf(name, sizeof name, "%s mremap", round);
    report(name, grown == MAP_FAILED ? -1 : 0);
    grown[2 * PAGE] = 0x66;

    pid_t child = fork();
    if (child == 0) {
        snprintf(name, sizeof name, "%s child dont first", round);
        touch(name, dont, 5, 0);
        snprintf(name, sizeof name, "%s child dont second", round);
        touch(name, dont, PAGE + 5, 0);
        void *again = mmap(dont + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        snprintf(name, sizeof name, "%s child map_over_dontfork", round);
        report(name, again == (void *)(dont + PAGE) ? 0 : -1);
        snprintf(name, sizeof name, "%s child dont second mapped", round);
        touch(name, dont, PAGE + 5, 0);
        snprintf(name, sizeof name, "%s child wipe first", round);
        touch(name, wipe, 5, 0);
        snprintf(name, sizeof name, "%s child wipe second", round);
        touch(name, wipe, PAGE + 5, 0);
        snprintf(name, sizeof name, "%s child shared", round);
        touch(name, shared, 5, 0);
        snprintf(name, sizeof name, "%s child undone first", round);
        touch(name, undone, 5, 0);
        snprintf(name, sizeof name, "%s child undone second", round);
        touch(name, undone, PAGE + 5, 0);
        snprintf(name, sizeof name, "%s child grown first", round);
        touch(name, grown, 5, 0);
        snprintf(name, sizeof name, "%s child grown third", round);
        touch(name, grown, 2 * PAGE, 0);
        int fd = open("/dev/null", O_RDONLY);
        printf("%s child lowest free descriptor %d\n", round, fd);
        fflush(stdout);
        close(fd);

        /* The advice stays: a grandchild reads zero again. */
        memset(wipe, 0x77, PAGE);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            snprintf(name, sizeof name, "%s grandchild wipe", round);
            touch(name, wipe, 5, 0);
            _exit(0);
        }
        snprintf(name, sizeof name, "%s grandchild", round);
        wait_child(name, grandchild);
        snprintf(name, sizeof name, "%s child wipe after its own fork", round);
        touch(name, wipe, 5, 0);

        /* A child without a handler dies of the SIGSEGV. */
        signal(SIGSEGV, SIG_DFL);
        ((volatile char *)shared)[0] = 1;
        _exit(0);
    }
    snprintf(name, sizeof name, "%s child", round);
    wait_child(name, child);
    snprintf(name, sizeof name, "%s parent dont second", round);
    touch(name, dont, PAGE + 5, 0);
    snprintf(name, sizeof name, "%s parent wipe first", round);
    touch(name, wipe, 5, 0);
    snprintf(name, sizeof name, "%s parent shared", round);
    touch(name, shared, 5, 0);
    snprintf(name, sizeof name, "%s parent grown third", round);
    touch(name, grown, 2 * PAGE, 0);

    /* vfork: the child shares the memory, the advice does not apply. */
    pid_t vchild = vfork();
    if (vchild == 0) {
        _exit((unsigned char)dont[PAGE + 5] == 0x11 && (unsigned char)wipe[5] == 0x22 ? 3 : 4);
    }
    snprintf(name, sizeof name, "%s vfork child", round);
    wait_child(name, vchild);

    munmap(dont, 2 * PAGE);
    munmap(wipe, 2 * PAGE);
    munmap(undone, 2 * PAGE);
    munmap(shared, PAGE);
    munmap(grown, 3 * PAGE);
}

static void errors(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR);
    unlink(name);
    ftruncate(fd, 2 * PAGE);
    char *file_private = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    char *file_shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *shared = anon(1, 1);
    report("wipeonfork_private_file", madvise(file_private, PAGE, MADV_WIPEONFORK));
    report("wipeonfork_shared_file", madvise(file_shared, PAGE, MADV_WIPEONFORK));
    report("wipeonfork_shared_anon", madvise(shared, PAGE, MADV_WIPEONFORK));
    report("dontfork_private_file", madvise(file_private, PAGE, MADV_DONTFORK));
    report("keeponfork_shared_anon", madvise(shared, PAGE, MADV_KEEPONFORK));
    report("wipeonfork_misaligned", madvise(shared + 1, PAGE, MADV_WIPEONFORK));
    report("wipeonfork_zero_length", madvise(shared, 0, MADV_WIPEONFORK));

    /* A hole: ENOMEM, the mapped parts changed. */
    char *holed = anon(3, 0);
    memset(holed, 0x12, 3 * PAGE);
    munmap(holed + PAGE, PAGE);
    report("wipeonfork_with_hole", madvise(holed, 3 * PAGE, MADV_WIPEONFORK));
    report("dontfork_unmapped", madvise(holed + PAGE, PAGE, MADV_DONTFORK));

    /* Anonymous then shared: EINVAL at the shared page, the anonymous page changed. */
    char *mixed = anon(2, 0);
    memset(mixed, 0x34, 2 * PAGE);
    if (mmap(mixed + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) return;
    mixed[PAGE] = 0x56;
    report("wipeonfork_anon_then_shared", madvise(mixed, 2 * PAGE, MADV_WIPEONFORK));

    /* A fresh mapping over an advised range starts without advice. */
    char *fresh = anon(1, 0);
    report("fresh_wipeonfork", madvise(fresh, PAGE, MADV_WIPEONFORK));
    mmap(fresh, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    fresh[0] = 0x78;

    pid_t child = fork();
    if (child == 0) {
        touch("errors child holed first", holed, 0, 0);
        touch("errors child holed third", holed, 2 * PAGE, 0);
        touch("errors child mixed anon", mixed, 0, 0);
        touch("errors child mixed shared", mixed, PAGE, 0);
        touch("errors child fresh", fresh, 0, 0);
        touch("errors child file_private", file_private, 0, 0);
        _exit(0);
    }
    wait_child("errors child", child);
    close(fd);
}

static void private_file(void)
{
    char name[64];
    scratch_file(name);
    int fd = open(name, O_RDWR);
    unlink(name);
    static unsigned char contents[FILE_SIZE];
    for (long i = 0; i < FILE_SIZE; i++) {
        contents[i] = pattern(i);
    }
    if (pwrite(fd, contents, FILE_SIZE, 0) != FILE_SIZE) { perror("pwrite"); exit(2); }
    char *map = mmap(NULL, FILE_MAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("file mmap", map == MAP_FAILED ? -1 : 0);
    touch("file parent first page", map, 7, 0);
    map[PAGE + 1] = 'P';
    touch("file parent past end", map, (FILE_PAGES + 1) * PAGE + 9, 0);

    pid_t child = fork();
    if (child == 0) {
        touch("file child first page", map, 7, 0);
        touch("file child parent's store", map, PAGE + 1, 0);
        touch("file child untouched page", map, 20 * PAGE + 3, 0);
        pwrite(fd, "fresh", 5, 32 * PAGE); /* after the fork, before anyone touched page 32 */
        touch("file child changed page", map, 32 * PAGE, 0);
        touch("file child last byte", map, FILE_SIZE - 1, 0);
        touch("file child zero tail", map, FILE_SIZE, 0);
        touch("file child past end read", map, (FILE_PAGES + 1) * PAGE + 9, 0);
        touch("file child past end write", map, (FILE_PAGES + 3) * PAGE, 1);
        touch("file child store", map, 2 * PAGE + 4, 1);
        _exit(0);
    }
    wait_child("file child", child);
    touch("file parent after child store", map, 2 * PAGE + 4, 0);
    touch("file parent changed page", map, 32 * PAGE, 0);
    unsigned char byte = 0;
    pread(fd, &byte, 1, 2 * PAGE + 4);
    printf("file on disk after child store byte=%d\n", byte);
    touch("file parent past end again", map, (FILE_PAGES + 1) * PAGE, 0);
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    advice_round("small");
    errors();
    private_file();

    /* Over 32 MiB written: the runner lends instead of copying; the advice must hold all the same. */
    char *big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big == MAP_FAILED) return 2;
    memset(big, 0x5a, BIG);
    advice_round("big");
    munmap(big, BIG);
    return 0;
}
