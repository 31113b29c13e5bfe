/* A guest at its descriptor limit (issue 11; CPython's test_subprocess test_no_leaking and test_pass_fds). Linux is
 * the oracle: a native run prints the same lines.
 *
 *   descriptor_limit select    the table filled to RLIMIT_NOFILE (1024), ten closed, pipes made at the top numbers:
 *                              select/pselect6 on them (the runner once asked the host's select, whose sets stop at
 *                              host descriptor 1023, and answered EBADF), on a /proc file (always ready), on a closed
 *                              number (EBADF), timeouts select carries (usec >= 10^6) or refuses (negative), and an
 *                              exception-only set on a broken pipe (POLLERR is no exception: the timeout passes)
 *   descriptor_limit nested    a fork child fills its table to the limit and forks and execs again, as a subprocess
 *                              spawned by a process at its limit does (the runner once let such a child's host
 *                              descriptor take a runner number, and the grandchild's runner refused its table: exit 65)
 *   descriptor_limit exhaust   hostile: the soft limit raised to the hard one and every descriptor the host lets the
 *                              guest have taken, then calls that need descriptors of their own (fork, exec, a thread,
 *                              shared memory, /proc files, event descriptors). Their answers differ from native (the
 *                              runner's own descriptors count against the same host limit), so the test only demands
 *                              that each one answers and the runner neither hangs nor crashes
 *   descriptor_limit fdwalk    /proc/self/fd read in small getdents64 steps while closing every entry as it goes
 *                              (CPython's close_fds walk): no entry may be skipped (the runner once numbered entries by
 *                              index, so each close shifted the later ones past the reader)
 * The exec'd image chooses its role from DESCRIPTOR_LIMIT_ROLE in the environment. Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define LIMIT 1024
#define FREED 10
#define ROLE "DESCRIPTOR_LIMIT_ROLE"

/* Closes everything above the standard streams and sets the soft limit, so native and runner start alike. */
static void start_clean(void)
{
    syscall(SYS_close_range, 3, ~0U, 0);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = LIMIT;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) printf("setrlimit errno=%d\n", errno);
}

/* Opens /dev/null until EMFILE; returns how many; the numbers are 3..LIMIT-1. */
static int fill_table(void)
{
    int opened = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            if (errno != EMFILE) printf("fill errno=%d\n", errno);
            return opened;
        }
        opened++;
    }
}

static void free_top(void)
{
    for (int fd = LIMIT - FREED; fd < LIMIT; fd++) close(fd);
}

static void show_sets(const char *name, long r, fd_set *rd, fd_set *wr, fd_set *ex, int lo, int hi)
{
    printf("%s ret=%ld errno=%d", name, r, r < 0 ? errno : 0);
    if (r >= 0) {
        printf(" r=");
        for (int fd = lo; fd <= hi; fd++) if (rd && FD_ISSET(fd, rd)) printf("%d,", fd);
        printf(" w=");
        for (int fd = lo; fd <= hi; fd++) if (wr && FD_ISSET(fd, wr)) printf("%d,", fd);
        printf(" x=");
        for (int fd = lo; fd <= hi; fd++) if (ex && FD_ISSET(fd, ex)) printf("%d,", fd);
    }
    printf("\n");
    fflush(stdout);
    errno = 0;
}

static void select_at_limit(void)
{
    start_clean();
    printf("filled=%d\n", fill_table() == LIMIT - 3);
    free_top();
    int a[2], b[2];
    if (pipe(a) != 0 || pipe(b) != 0) { printf("pipe errno=%d\n", errno); return; }
    printf("pipes %d %d %d %d\n", a[0], a[1], b[0], b[1]);
    write(a[1], "x", 1);

    fd_set rd, wr, ex;
    FD_ZERO(&rd); FD_ZERO(&wr); FD_ZERO(&ex);
    FD_SET(a[0], &rd); FD_SET(b[0], &rd); FD_SET(a[1], &wr); FD_SET(b[1], &wr); FD_SET(a[0], &ex);
    struct timeval tv = {0, 0};
    long r = syscall(SYS_select, b[1] + 1, &rd, &wr, &ex, &tv);
    show_sets("select_high_pipes", r, &rd, &wr, &ex, LIMIT - FREED, LIMIT - 1);

    struct timespec ts = {0, 0};
    FD_ZERO(&rd); FD_ZERO(&wr);
    FD_SET(a[0], &rd); FD_SET(b[0], &rd); FD_SET(b[1], &wr);
    r = syscall(SYS_pselect6, b[1] + 1, &rd, &wr, NULL, &ts, NULL);
    show_sets("pselect6_high_pipes", r, &rd, &wr, NULL, LIMIT - FREED, LIMIT - 1);

    /* Blocking with a timeout: ready at once, and the remaining time is written back. */
    FD_ZERO(&rd); FD_SET(a[0], &rd);
    tv.tv_sec = 5; tv.tv_usec = 0;
    r = syscall(SYS_select, a[0] + 1, &rd, NULL, NULL, &tv);
    show_sets("select_ready_with_timeout", r, &rd, NULL, NULL, LIMIT - FREED, LIMIT - 1);
    printf("select_timeout_written_back=%d\n", tv.tv_sec <= 5 && (tv.tv_sec > 0 || tv.tv_usec > 0));

    /* select carries microseconds of 10^6 and more into seconds; negative ones are EINVAL. */
    FD_ZERO(&rd); FD_SET(a[0], &rd);
    tv.tv_sec = 0; tv.tv_usec = 1500000;
    r = syscall(SYS_select, a[0] + 1, &rd, NULL, NULL, &tv);
    show_sets("select_usec_over_a_second", r, &rd, NULL, NULL, LIMIT - FREED, LIMIT - 1);
    FD_ZERO(&rd); FD_SET(a[0], &rd);
    tv.tv_sec = 0; tv.tv_usec = -1;
    show_sets("select_negative_usec", syscall(SYS_select, a[0] + 1, &rd, NULL, NULL, &tv), NULL, NULL, NULL, 0, -1);
    FD_ZERO(&rd); FD_SET(a[0], &rd);
    ts.tv_sec = 0; ts.tv_nsec = 1000000000;
    show_sets("pselect6_nsec_a_second", syscall(SYS_pselect6, a[0] + 1, &rd, NULL, NULL, &ts, NULL), NULL, NULL, NULL, 0, -1);

    /* A closed number in a set: EBADF before any waiting. */
    close(b[0]);
    FD_ZERO(&rd); FD_SET(b[0], &rd);
    tv.tv_sec = 0; tv.tv_usec = 0;
    show_sets("select_closed", syscall(SYS_select, b[0] + 1, &rd, NULL, NULL, &tv), NULL, NULL, NULL, 0, -1);

    /* b[1] has lost its reader: POLLERR makes it writable, but is no exception; an exception-only wait times out. */
    FD_ZERO(&wr); FD_SET(b[1], &wr);
    tv.tv_sec = 0; tv.tv_usec = 0;
    r = syscall(SYS_select, b[1] + 1, NULL, &wr, NULL, &tv);
    show_sets("select_broken_pipe_writable", r, NULL, &wr, NULL, LIMIT - FREED, LIMIT - 1);
    FD_ZERO(&ex); FD_SET(b[1], &ex);
    tv.tv_sec = 0; tv.tv_usec = 50000;
    r = syscall(SYS_select, b[1] + 1, NULL, NULL, &ex, &tv);
    show_sets("select_broken_pipe_exception_only", r, NULL, NULL, &ex, LIMIT - FREED, LIMIT - 1);

    /* A /proc file has no poll method: always readable and writable. */
    close(b[1]);
    int status = open("/proc/self/status", O_RDONLY);
    FD_ZERO(&rd); FD_ZERO(&wr); FD_ZERO(&ex);
    FD_SET(status, &rd); FD_SET(status, &wr); FD_SET(status, &ex);
    tv.tv_sec = 0; tv.tv_usec = 0;
    r = syscall(SYS_select, status + 1, &rd, &wr, &ex, &tv);
    show_sets("select_proc_file", r, &rd, &wr, &ex, LIMIT - FREED, LIMIT - 1);
}

/* The role of the exec'd image: report that it runs and how many descriptors it got. */
static int exec_role(void)
{
    int open_count = 0;
    for (int fd = 0; fd < LIMIT; fd++) open_count += fcntl(fd, F_GETFD) >= 0;
    printf("exec'd image runs with %d descriptors\n", open_count);
    return 0;
}

static int wait_child(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void nested(void)
{
    start_clean();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        printf("child filled=%d\n", fill_table() == LIMIT - 3);
        free_top();
        fflush(stdout);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            printf("grandchild runs\n");
            fflush(stdout);
            _exit(7);
        }
        printf("grandchild exit=%d\n", wait_child(grandchild));
        fflush(stdout);
        pid_t execer = fork();
        if (execer == 0) {
            setenv(ROLE, "exec", 1);
            char *argv[] = {"descriptor_limit", NULL};
            execv("/proc/self/exe", argv);
            _exit(99);
        }
        printf("exec child exit=%d\n", wait_child(execer));
        fflush(stdout);
        /* At the limit itself: fork and a pipe still answer as Linux does. */
        int p[2];
        while (open("/dev/null", O_RDONLY) >= 0) {
        }
        report("pipe_at_limit", pipe(p));
        pid_t full = fork();
        if (full == 0) _exit(3);
        printf("fork at limit exit=%d\n", wait_child(full));
        fflush(stdout);
        _exit(0);
    }
    printf("child exit=%d\n", wait_child(child));
}

static void *thread_body(void *arg)
{
    return arg;
}

static void answered(const char *name, long r)
{
    printf("%s answered %s\n", name, r < 0 ? "an error" : "");
    fflush(stdout);
}

static void exhaust(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    fill_table();
    printf("filled\n");
    fflush(stdout);
    int p[2];
    answered("pipe", pipe(p));
    answered("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, p));
    answered("eventfd", eventfd(0, 0));
    answered("epoll_create1", epoll_create1(0));
    answered("memfd_create", syscall(SYS_memfd_create, "x", 0));
    int status = open("/proc/self/status", O_RDONLY);
    answered("open_proc_status", status);
    char buffer[4096];
    if (status >= 0) answered("read_proc_status", read(status, buffer, sizeof buffer));
    answered("open_proc_limits", open("/proc/self/limits", O_RDONLY));
    answered("open_proc_fd_dir", open("/proc/self/fd", O_RDONLY | O_DIRECTORY));
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    answered("mmap_shared", shared == MAP_FAILED ? -1 : 0);
    if (shared != MAP_FAILED) shared[0] = 1;
    char *file = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 0, 0);
    answered("mmap_file", file == MAP_FAILED ? -1 : 0);
    pthread_t thread;
    int e = pthread_create(&thread, NULL, thread_body, NULL);
    answered("pthread_create", e ? -1 : 0);
    if (!e) pthread_join(thread, NULL);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(0, &rd);
    struct timeval tv = {0, 0};
    answered("select", syscall(SYS_select, 1, &rd, NULL, NULL, &tv));
    pid_t child = fork();
    if (child == 0) _exit(3);
    answered("fork", child);
    if (child > 0) answered("wait", wait_child(child));
    child = fork();
    if (child == 0) {
        setenv(ROLE, "exec", 1);
        char *argv[] = {"descriptor_limit", NULL};
        execv("/proc/self/exe", argv);
        _exit(99);
    }
    answered("fork_for_exec", child);
    if (child > 0) answered("wait_exec", wait_child(child));
    /* Room for a few descriptors only: a fork may start (or not), and its child may or may not get going; each
     * answer must come. */
    int top = LIMIT;
    while (fcntl(top, F_GETFD) >= 0 || errno != EBADF) top++;
    for (int freed = 1; freed <= 16; freed++) {
        close(top - freed);
        child = fork();
        if (child == 0) _exit(3);
        answered("fork_with_room", child > 0 ? wait_child(child) : -1);
    }
    /* Everything closed again: the process works as before. */
    syscall(SYS_close_range, 3, ~0U, 0);
    answered("pipe_after", pipe(p));
    child = fork();
    if (child == 0) _exit(0);
    answered("fork_after", child > 0 ? wait_child(child) : -1);
    printf("exhaust done\n");
}

static void fdwalk(void)
{
    start_clean();
    for (int i = 0; i < 12; i++) {
        int p[2];
        if (pipe(p) != 0) { printf("pipe errno=%d\n", errno); return; }
    }
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    printf("dir=%d\n", dir);
    char buffer[96]; /* room for about three records: many small steps */
    int seen = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
        if (n <= 0) { report("getdents64_end", n); break; }
        for (long at = 0; at < n;) {
            unsigned short reclen = *(unsigned short *)(buffer + at + 16);
            const char *name = buffer + at + 19;
            if (name[0] != '.') {
                int fd = atoi(name);
                printf("saw %d\n", fd);
                seen++;
                if (fd > 2 && fd != dir) close(fd);
            }
            at += reclen;
        }
    }
    printf("seen=%d\n", seen);
    int left = 0;
    for (int fd = 3; fd < 64; fd++) left += fd != dir && fcntl(fd, F_GETFD) >= 0;
    printf("left open=%d\n", left);
}

int main(int argc, char **argv)
{
    const char *role = getenv(ROLE);
    if (role && strcmp(role, "exec") == 0) return exec_role();
    if (argc < 2) { fprintf(stderr, "usage: descriptor_limit select|nested|fdwalk|exhaust\n"); return 2; }
    if (strcmp(argv[1], "select") == 0) select_at_limit();
    else if (strcmp(argv[1], "nested") == 0) nested();
    else if (strcmp(argv[1], "fdwalk") == 0) fdwalk();
    else if (strcmp(argv[1], "exhaust") == 0) exhaust();
    else { fprintf(stderr, "unknown mode %s\n", argv[1]); return 2; }
    return 0;
}
