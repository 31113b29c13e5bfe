/* Hostile guest, family "descriptor games" (issue 10): the guest looks for the runner's own descriptors (the address
 * space's memfd, hand-off pipes, trace output) by number and through /proc/self/fd, and tries to damage them. The
 * guest must only ever see its own descriptors, and nothing it does to a descriptor may kill the runner. Linux is
 * the oracle: a native run prints the same lines.
 *
 *   hostile_fds scan      fcntl(F_GETFD)/fstat/dup/F_DUPFD/dup2 over 3..1023: which numbers answer
 *   hostile_fds truncate  every /proc/self/fd entry opened read-write and ftruncated to 0 and to one page
 *   hostile_fds clobber   dup2 of stdout over every number 3..1023, then close_range(3, ~0): the guest still works
 *                         (memory, fork, wait), as it would on Linux
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define FIRST 3
#define LAST 1023

static void print_list(const char *what, const int *ok)
{
    int count = 0;
    for (int n = FIRST; n <= LAST; n++) count += ok[n];
    printf("%s count=%d list=", what, count);
    int shown = 0;
    for (int n = FIRST; n <= LAST && shown < 40; n++)
        if (ok[n]) printf("%s%d", shown++ ? "," : "", n);
    printf("\n");
}

static void scan(void)
{
    static int ok[LAST + 1];
    memset(ok, 0, sizeof ok);
    for (int n = FIRST; n <= LAST; n++) ok[n] = syscall(SYS_fcntl, n, F_GETFD) >= 0;
    print_list("fcntl_getfd", ok);
    struct stat st;
    for (int n = FIRST; n <= LAST; n++) ok[n] = syscall(SYS_fstat, n, &st) == 0;
    print_list("fstat", ok);
    for (int n = FIRST; n <= LAST; n++) {
        long d = syscall(SYS_dup, n);
        ok[n] = d >= 0;
        if (d >= 0) close((int)d);
    }
    print_list("dup", ok);
    for (int n = FIRST; n <= LAST; n++) {
        long d = syscall(SYS_fcntl, n, F_DUPFD_CLOEXEC, 2000);
        ok[n] = d >= 0;
        if (d >= 0) close((int)d);
    }
    print_list("f_dupfd", ok);
    for (int n = FIRST; n <= LAST; n++) {
        long d = syscall(SYS_dup2, n, 2001);
        ok[n] = d >= 0;
        if (d >= 0) close(2001);
    }
    print_list("dup2", ok);
    for (int n = FIRST; n <= LAST; n++) {
        errno = 0;
        long r = syscall(SYS_lseek, n, 0, SEEK_CUR);
        ok[n] = r >= 0 || errno != EBADF;
    }
    print_list("lseek_not_ebadf", ok);
}

static void truncate_everything(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) { printf("opendir errno=%d\n", errno); return; }
    int own = dirfd(d);
    int numbers[2048];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 2048)
        if (e->d_name[0] != '.') numbers[count++] = atoi(e->d_name);
    int entries = 0;
    for (int i = 0; i < count; i++) {
        int n = numbers[i];
        if (n < FIRST || n == own) continue;
        entries++;
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", n);
        errno = 0;
        int fd = open(path, O_RDWR | O_NONBLOCK);
        int open_errno = fd < 0 ? errno : 0;
        long t0 = fd >= 0 ? syscall(SYS_ftruncate, fd, 0) : -1;
        int t0_errno = fd >= 0 && t0 < 0 ? errno : 0;
        long t1 = syscall(SYS_ftruncate, n, 4096);
        int t1_errno = t1 < 0 ? errno : 0;
        printf("entry %d open=%d ftruncate_reopened=%ld/%d ftruncate_number=%ld/%d\n", n, open_errno, t0, t0_errno, t1, t1_errno);
        if (fd >= 0) close(fd);
    }
    closedir(d);
    printf("entries_beyond_stdio=%d\n", entries);
    /* Truncate by number everything in range, too. */
    int hits = 0;
    for (int n = FIRST; n <= LAST; n++)
        if (syscall(SYS_ftruncate, n, 0) == 0) hits++;
    printf("ftruncate_by_number_succeeded=%d\n", hits);
}

static void still_alive(const char *after)
{
    char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int touched = 0;
    if (p != MAP_FAILED) {
        for (int i = 0; i < (1 << 20); i += 4096) p[i] = (char)i;
        touched = p[4096 * 7] == (char)(4096 * 7);
        munmap(p, 1 << 20);
    }
    pid_t c = fork();
    if (c == 0) _exit(7);
    int status = 0;
    pid_t w = waitpid(c, &status, 0);
    printf("%s: memory=%d fork=%d child_status=%d\n", after, touched, c > 0 && w == c,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void clobber(void)
{
    int ok = 0;
    for (int n = FIRST; n <= LAST; n++)
        if (syscall(SYS_dup2, 1, n) == n) ok++;
    printf("dup2_stdout_over_3_to_1023 ok=%d\n", ok);
    still_alive("after dup2 flood");
    long r = syscall(SYS_close_range, FIRST, ~0U, 0);
    printf("close_range ret=%ld errno=%d\n", r, r < 0 ? errno : 0);
    still_alive("after close_range");
    int any = 0;
    for (int n = FIRST; n <= LAST; n++) any += syscall(SYS_fcntl, n, F_GETFD) >= 0;
    printf("open_after_close_range=%d\n", any);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "scan";
    if (strcmp(mode, "scan") == 0) scan();
    else if (strcmp(mode, "truncate") == 0) truncate_everything();
    else if (strcmp(mode, "clobber") == 0) clobber();
    puts("survived");
    return 0;
}
