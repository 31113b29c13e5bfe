/* /proc per thread and per credential: what a multi-threaded process reads back from /proc/self/task,
 * /proc/self/task/TID/{status,stat,comm}, /proc/TID/status of a thread that is not the leader, and /proc/thread-self,
 * before and after its threads change credentials (raw syscalls on one thread only, and the C library's calls that
 * apply to every thread). Ids are printed relative to the process (tid==gettid(), Tgid==getpid()), never as numbers,
 * so a native run and a run under usermem-run print the same bytes. Credential changes need root; without it the
 * probe says so and skips them (both runs alike). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define WORKERS 3
#define MAX_TASKS 16

/* What a worker is told to do next (the main thread sets it, the worker acknowledges with done == command). */
enum command { IDLE, RAW_CREDS, RAW_RESTORE, READ_SELF, PING, PING2, NAME, GET_NAME, EXIT };

struct worker {
    pthread_t thread;
    int index;
    pid_t tid;
    int command;
    int done;
};

static struct worker workers[WORKERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static pid_t pid;
static gid_t original_groups[64];
static int original_group_count;

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

/* Reads a whole small file into buf (NUL-terminated); returns the length or -errno. */
static long read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t at = 0;
    for (;;) {
        ssize_t n = read(fd, buf + at, size - 1 - at);
        if (n < 0) { int e = errno; close(fd); return -e; }
        if (n == 0) break;
        at += (size_t)n;
        if (at == size - 1) break;
    }
    buf[at] = 0;
    close(fd);
    return (long)at;
}

/* The value of "Key:" in a status text (after the tab, to the end of line, trailing spaces dropped), or "(none)". */
static const char *field(const char *text, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    const char *p = text;
    while (p && *p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            const char *v = p + klen + 1;
            while (*v == '\t' || *v == ' ') v++;
            const char *end = strchr(v, '\n');
            size_t n = end ? (size_t)(end - v) : strlen(v);
            while (n > 0 && v[n - 1] == ' ') n--;
            if (n >= size) n = size - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return out;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
    snprintf(out, size, "(none)");
    return out;
}

static long field_long(const char *text, const char *key)
{
    char v[64];
    field(text, key, v, sizeof v);
    return strcmp(v, "(none)") == 0 ? -1 : strtol(v, NULL, 10);
}

/* Prints the lines of a status that the probe compares: ids relative to the process, credentials, masks. */
static void show_status(const char *label, const char *path, pid_t tid)
{
    char text[8192], v[256];
    long n = read_file(path, text, sizeof text);
    if (n < 0) { printf("%s: open/read errno=%ld\n", label, -n); return; }
    printf("%s: Pid==tid=%d Tgid==pid=%d Threads=%ld", label, field_long(text, "Pid") == tid,
           field_long(text, "Tgid") == pid, field_long(text, "Threads"));
    printf(" Uid=[%s]", field(text, "Uid", v, sizeof v));
    printf(" Gid=[%s]", field(text, "Gid", v, sizeof v));
    printf(" Groups=[%s]", field(text, "Groups", v, sizeof v));
    printf(" SigBlk=%s", field(text, "SigBlk", v, sizeof v));
    printf(" SigPnd=%s", field(text, "SigPnd", v, sizeof v));
    printf(" CapEff_zero=%d\n", strcmp(field(text, "CapEff", v, sizeof v), "0000000000000000") == 0);
}

/* The stat line's pid field, state and num_threads (fields 1, 3, 20). */
static void show_stat(const char *label, const char *path, pid_t tid)
{
    char text[4096];
    long n = read_file(path, text, sizeof text);
    if (n < 0) { printf("%s: errno=%ld\n", label, -n); return; }
    long first = strtol(text, NULL, 10);
    char *close_paren = strrchr(text, ')');
    char state = '?';
    long threads = -1, fields = 0;
    long long start = -1;
    if (close_paren) {
        state = close_paren[2];
        char *p = close_paren + 2;
        for (int f = 3; f < 20 && p; f++) { p = strchr(p, ' '); if (p) p++; }
        if (p) threads = strtol(p, NULL, 10);
        for (int f = 20; f < 22 && p; f++) { p = strchr(p, ' '); if (p) p++; }
        if (p) start = strtoll(p, NULL, 10);
        fields = 2;
        for (p = close_paren + 1; *p; p++) fields += *p == ' ';
    }
    printf("%s: pid==tid=%d state_known=%d num_threads=%ld starttime_positive=%d fields=%ld\n", label, first == tid,
           state == 'R' || state == 'S', threads, start > 0, fields);
}

static int is_our_tid(pid_t t)
{
    if (t == pid) return 1;
    for (int i = 0; i < WORKERS; i++)
        if (workers[i].tid == t) return 1;
    return 0;
}

/* Lists /proc/<dir>/task: the count, whether every entry is one of our threads, whether the leader comes first. */
static void show_task_list(const char *label, const char *dir_path)
{
    DIR *d = opendir(dir_path);
    if (!d) { printf("%s: opendir errno=%d\n", label, errno); return; }
    int count = 0, known = 1, leader_first = 0, dots = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') { dots++; continue; }
        pid_t t = (pid_t)atoi(e->d_name);
        if (count == 0) leader_first = t == pid;
        if (!is_our_tid(t) || e->d_type != DT_DIR) known = 0;
        count++;
    }
    closedir(d);
    printf("%s: entries=%d dots=%d all_ours_and_dirs=%d leader_first=%d\n", label, count, dots, known, leader_first);
}

static void wait_for(struct worker *w, int command)
{
    pthread_mutex_lock(&lock);
    w->command = command;
    pthread_cond_broadcast(&changed);
    while (w->done != command) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
}

static void worker_read_self(struct worker *w)
{
    char link[256], expect[256], label[64];
    ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    snprintf(expect, sizeof expect, "%d/task/%d", pid, w->tid);
    printf("worker%d thread-self link_ok=%d\n", w->index, strcmp(link, expect) == 0);
    snprintf(label, sizeof label, "worker%d thread-self/status", w->index);
    show_status(label, "/proc/thread-self/status", w->tid);
    snprintf(label, sizeof label, "worker%d self/status", w->index);
    show_status(label, "/proc/self/status", pid); /* the process's (leader's) status, read from a worker */
    snprintf(label, sizeof label, "worker%d thread-self/stat", w->index);
    show_stat(label, "/proc/thread-self/stat", w->tid);
}

static void handler(int sig) { (void)sig; }

/* capget/capset through raw syscalls (musl has no <sys/capability.h>): the ABI structs. */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_V3 0x20080522u

/* Whether capget of thread t agrees with the CapEff line of its status (and whether it is empty). */
static void show_capget(const char *label, pid_t t)
{
    struct cap_header h = { CAP_V3, t };
    struct cap_data d[2];
    memset(d, 0xff, sizeof d);
    long r = syscall(SYS_capget, &h, d);
    char path[128], text[8192], v[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", t);
    read_file(path, text, sizeof text);
    unsigned long long eff = ((unsigned long long)d[1].effective << 32) | d[0].effective;
    unsigned long long shown = strtoull(field(text, "CapEff", v, sizeof v), NULL, 16);
    printf("%s capget ret=%ld matches_status=%d effective_zero=%d\n", label, r, r == 0 && eff == shown, eff == 0);
}

/* capget's answers to odd headers, in Linux's order. */
static void capget_edges(void)
{
    errno = 0;
    long r = syscall(SYS_capget, NULL, NULL);
    printf("capget(NULL,NULL) ret=%ld errno=%d\n", r, errno);
    struct cap_header h = { 0x1234, 0 };
    errno = 0;
    r = syscall(SYS_capget, &h, NULL);
    printf("capget(bad version, NULL) ret=%ld errno=%d version=%#x\n", r, errno, h.version);
    struct cap_data d[2];
    h.version = 0x1234;
    errno = 0;
    r = syscall(SYS_capget, &h, d);
    printf("capget(bad version, data) ret=%ld errno=%d version=%#x\n", r, errno, h.version);
    h.version = CAP_V3;
    h.pid = -5;
    errno = 0;
    r = syscall(SYS_capget, &h, d);
    printf("capget(pid -5) ret=%ld errno=%d\n", r, errno);
    h.pid = 0;
    errno = 0;
    r = syscall(SYS_capget, &h, (void *)16);
    printf("capget(unmapped data) ret=%ld errno=%d\n", r, errno);
    h.pid = 0;
    errno = 0;
    r = syscall(SYS_capget, &h, NULL);
    printf("capget(good version, NULL) ret=%ld errno=%d\n", r, errno);
    h.pid = 1;
    errno = 0;
    r = syscall(SYS_capset, &h, d);
    printf("capset(pid 1) ret=%ld errno=%d\n", r, errno);
    errno = 0;
    r = syscall(SYS_capset, NULL, d);
    printf("capset(NULL) ret=%ld errno=%d\n", r, errno);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, w->index == 0 ? SIGUSR1 : w->index == 1 ? SIGUSR2 : SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    pthread_mutex_lock(&lock);
    w->tid = gettid_raw();
    w->done = IDLE;
    pthread_cond_broadcast(&changed);
    for (;;) {
        while (w->command == w->done) pthread_cond_wait(&changed, &lock);
        int c = w->command;
        pthread_mutex_unlock(&lock);
        if (c == RAW_CREDS) {
            /* This thread only: the raw syscalls change one task's credentials, as on Linux. */
            gid_t groups[3] = { 5, 6, 7 };
            long g = syscall(SYS_setgroups, 3, groups);
            long rg = syscall(SYS_setresgid, 101, 102, 0);
            long ru = syscall(SYS_setresuid, 1, 2, 0);
            printf("worker%d raw setgroups=%ld setresgid=%ld setresuid=%ld\n", w->index, g, rg, ru);
        } else if (c == RAW_RESTORE) {
            long ru = syscall(SYS_setresuid, 0, 0, 0);
            long rg = syscall(SYS_setresgid, 0, 0, 0);
            long g = syscall(SYS_setgroups, original_group_count, original_groups);
            printf("worker%d raw restore setresuid=%ld setresgid=%ld setgroups=%ld\n", w->index, ru, rg, g);
        } else if (c == NAME) {
            char name[32];
            snprintf(name, sizeof name, "worker%d-thread-name", w->index); /* longer than 15: truncated */
            printf("worker%d PR_SET_NAME=%d\n", w->index, prctl(PR_SET_NAME, name, 0, 0, 0));
        } else if (c == GET_NAME) {
            char name[17] = {0};
            int r = prctl(PR_GET_NAME, name, 0, 0, 0);
            printf("worker%d PR_GET_NAME=%d [%s]\n", w->index, r, name);
        } else if (c == READ_SELF) {
            worker_read_self(w);
        }

        fflush(stdout);
        pthread_mutex_lock(&lock);
        w->done = c;
        pthread_cond_broadcast(&changed);
        if (c == EXIT) break;
    }

    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Every thread's status, through /proc/self/task/TID and through /proc/TID. */
static void show_all(const char *when)
{
    char path[128], label[128];
    for (int i = -1; i < WORKERS; i++) {
        pid_t t = i < 0 ? pid : workers[i].tid;
        if (t == 0) continue;
        snprintf(path, sizeof path, "/proc/self/task/%d/status", t);
        snprintf(label, sizeof label, "%s %s task-status", when, i < 0 ? "main" : i == 0 ? "worker0" : i == 1 ? "worker1" : "worker2");
        show_status(label, path, t);
        snprintf(path, sizeof path, "/proc/%d/status", t);
        snprintf(label, sizeof label, "%s %s tid-status", when, i < 0 ? "main" : i == 0 ? "worker0" : i == 1 ? "worker1" : "worker2");
        show_status(label, path, t);
    }
}

/* The text of a comm file without its newline. */
static void show_comm(const char *label, const char *path)
{
    char text[64];
    long n = read_file(path, text, sizeof text);
    if (n < 0) { printf("%s: errno=%ld\n", label, -n); return; }
    int newline = n > 0 && text[n - 1] == '\n';
    printf("%s: [%s] newline=%d\n", label, strtok(text, "\n") ? text : "", newline);
}

/* Thread names are per thread: PR_SET_NAME on a worker names it only; a write to its comm renames it (what
 * pthread_setname_np does for another thread); the process's comm stays the leader's. */
static void show_names(void)
{
    char path[128], label[64], status[8192], v[64];
    for (int i = 0; i < 2; i++) wait_for(&workers[i], NAME);
    show_comm("process comm", "/proc/self/comm");
    char comm[64];
    read_file("/proc/self/comm", comm, sizeof comm);
    strtok(comm, "\n");
    read_file("/proc/self/status", status, sizeof status);
    printf("process status Name same as comm=%d\n", strcmp(field(status, "Name", v, sizeof v), comm) == 0);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/proc/self/task/%d/comm", workers[i].tid);
        snprintf(label, sizeof label, "worker%d task comm", i);
        show_comm(label, path);
        snprintf(path, sizeof path, "/proc/%d/status", workers[i].tid);
        read_file(path, status, sizeof status);
        printf("worker%d status Name=[%s]\n", i, field(status, "Name", v, sizeof v));
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", workers[i].tid);
        read_file(path, status, sizeof status);
        char *open_paren = strchr(status, '('), *close_paren = strrchr(status, ')');
        if (open_paren && close_paren) *close_paren = 0;
        printf("worker%d stat comm=[%s]\n", i, open_paren ? open_paren + 1 : "?");
    }

    snprintf(path, sizeof path, "/proc/self/task/%d/comm", workers[0].tid);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    const char *rename_to = "renamed-by-main-with-a-long-name";
    errno = 0;
    long w = fd < 0 ? -1 : (long)write(fd, rename_to, strlen(rename_to));
    printf("write comm of worker0 fd_ok=%d ret=%ld errno=%d\n", fd >= 0, w, errno);
    if (fd >= 0) close(fd);
    wait_for(&workers[0], GET_NAME);
    errno = 0;
    int e = pthread_setname_np(workers[1].thread, "via-pthread");
    printf("pthread_setname_np(worker1)=%d\n", e);
    wait_for(&workers[1], GET_NAME);
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", workers[1].tid);
    show_comm("worker1 task comm", path);
    show_comm("process comm after", "/proc/self/comm");

    /* comm writes at the edges: a bad buffer, a short count, a fault past the first 15 bytes, a position. */
    fd = open(path, O_WRONLY | O_CLOEXEC); /* worker1's comm */
    char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + 4096, 4096);
    memcpy(page + 4096 - 20, "abcdefghijklmnopqrst", 20);
    memcpy(page + 4096 - 3, "xyz", 3);
    errno = 0;
    long r1 = write(fd, NULL, 5);
    printf("write comm NULL ret=%ld errno=%d\n", r1, errno);
    errno = 0;
    r1 = write(fd, page + 4096 - 3, 10);
    printf("write comm fault within 10 ret=%ld errno=%d\n", r1, errno);
    show_comm("worker1 comm after fault", path);
    errno = 0;
    r1 = write(fd, page + 4096 - 20, 100);
    printf("write comm fault past 15 ret=%ld errno=%d\n", r1, errno);
    show_comm("worker1 comm after 100", path);
    errno = 0;
    r1 = pwrite(fd, "at-offset", 9, 1000);
    printf("pwrite comm ret=%ld errno=%d\n", r1, errno);
    show_comm("worker1 comm after pwrite", path);
    errno = 0;
    r1 = write(fd, "", 0);
    printf("write comm empty ret=%ld errno=%d\n", r1, errno);
    show_comm("worker1 comm after empty", path);
    close(fd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    errno = 0;
    r1 = write(fd, "ro", 2);
    printf("write comm read-only ret=%ld errno=%d\n", r1, errno);
    close(fd);
    munmap(page, 4096);
    char mine[17] = {0};
    prctl(PR_GET_NAME, mine, 0, 0, 0);
    read_file("/proc/self/comm", status, sizeof status);
    printf("main PR_GET_NAME matches comm=%d\n", strncmp(mine, status, strlen(mine)) == 0);
}

/* A thread of ours that has gone: polls (bounded) until /proc no longer shows it, as a reaped task. */
static int gone(pid_t t)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/self/task/%d", t);
    for (int i = 0; i < 2000; i++) {
        if (access(path, F_OK) != 0 && errno == ENOENT) return 1;
        usleep(1000);
    }

    return 0;
}

/* "drop": gives up root for user and group 99 on every thread (the C library's calls), then executes itself again
 * ("dropped"): the new program runs without root from its start. */
static int drop_and_exec(char *self)
{
    int g = setgroups(0, NULL);
    int rg = setresgid(99, 99, 99);
    int ru = setresuid(99, 99, 99);
    printf("setgroups(0)=%d setresgid(99)=%d setresuid(99)=%d\n", g, rg, ru);
    fflush(stdout);
    char *args[] = { self, "dropped", NULL };
    execv(self, args);
    printf("execv errno=%d\n", errno);
    return 1;
}

/* "dropped": the credentials the new program and a thread of it show. */
static int show_dropped(void)
{
    workers[0].index = 0;
    workers[0].done = -1;
    pthread_create(&workers[0].thread, NULL, worker_main, &workers[0]);
    pthread_mutex_lock(&lock);
    while (workers[0].done != IDLE) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    show_task_list("dropped: self/task", "/proc/self/task");
    show_all("dropped");
    show_capget("dropped main", pid);
    wait_for(&workers[0], EXIT);
    pthread_join(workers[0].thread, NULL);
    printf("done\n");
    return 0;
}

/* "leader_exit": the main thread leaves with pthread_exit while a worker runs on; the worker then reads the
 * leader's directory, which Linux keeps (a zombie) until the group ends. */
static void *after_leader(void *arg)
{
    (void)arg;
    char path[128], text[8192], v[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, pid);
    int zombie = 0;
    for (int i = 0; i < 5000 && !zombie; i++) {
        if (read_file(path, text, sizeof text) > 0) {
            char *close_paren = strrchr(text, ')');
            zombie = close_paren && close_paren[2] == 'Z';
        }
        if (!zombie) usleep(1000);
    }
    printf("leader stat state Z=%d\n", zombie);
    workers[0].tid = gettid_raw();
    show_task_list("leader gone: self/task", "/proc/self/task");
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    long n = read_file(path, text, sizeof text);
    printf("leader status read=%d State=[%s] Threads=%ld\n", n > 0, field(text, "State", v, sizeof v), field_long(text, "Threads"));
    show_status("leader gone: thread-self/status", "/proc/thread-self/status", workers[0].tid);
    fflush(stdout);
    exit(0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid = getpid();
    if (argc > 1 && strcmp(argv[1], "drop") == 0) {
        if (getuid() != 0) { printf("not root: nothing to drop\n"); return 0; }
        return drop_and_exec(argv[0]);
    }
    if (argc > 1 && strcmp(argv[1], "dropped") == 0) return show_dropped();
    if (argc > 1 && strcmp(argv[1], "leader_exit") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, after_leader, NULL);
        pthread_exit(NULL);
    }
    original_group_count = getgroups(64, original_groups);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);

    show_task_list("one thread: task", "/proc/self/task");
    show_status("one thread: status", "/proc/self/status", pid);

    for (int i = 0; i < WORKERS; i++) {
        workers[i].index = i;
        workers[i].command = IDLE;
        workers[i].done = -1;
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }

    pthread_mutex_lock(&lock);
    for (int i = 0; i < WORKERS; i++)
        while (workers[i].done != IDLE) pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);

    /* A signal pending on worker0 only (it blocks SIGUSR1). */
    printf("tgkill worker0 SIGUSR1 ret=%ld\n", syscall(SYS_tgkill, pid, workers[0].tid, SIGUSR1));

    char path[128];
    show_task_list("four threads: self/task", "/proc/self/task");
    snprintf(path, sizeof path, "/proc/%d/task", workers[1].tid);
    show_task_list("four threads: TID/task", path);
    show_stat("main stat", "/proc/self/stat", pid);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", workers[2].tid);
    show_stat("worker2 task stat", path, workers[2].tid);
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", workers[2].tid);
    char comm[64];
    printf("worker2 comm read=%d\n", read_file(path, comm, sizeof comm) > 0);
    snprintf(path, sizeof path, "/proc/self/task/%d/maps", workers[2].tid);
    char maps[4096];
    printf("worker2 maps read=%d\n", read_file(path, maps, sizeof maps) > 0);
    show_all("initial");
    for (int i = 0; i < WORKERS; i++) wait_for(&workers[i], READ_SELF);

    if (getuid() != 0) {
        printf("not root: credential changes skipped\n");
    } else {
        show_capget("root worker1", workers[1].tid);
        wait_for(&workers[1], RAW_CREDS);
        show_all("after raw creds on worker1");
        show_capget("after raw creds worker1", workers[1].tid);
        show_capget("after raw creds main", pid);
        wait_for(&workers[1], READ_SELF);
        wait_for(&workers[1], RAW_RESTORE);
        show_all("after raw restore");

        /* The C library applies these to every thread. */
        printf("libc setresgid(0,7,0)=%d\n", setresgid(0, 7, 0));
        gid_t groups[2] = { 3, 4 };
        printf("libc setgroups({3,4})=%d\n", setgroups(2, groups));
        printf("libc seteuid(9)=%d\n", seteuid(9));
        /* The C library's broadcast signal handlers may still be returning on the other threads (their mask is
         * the handler's until then): a round trip with each worker first. */
        for (int i = 0; i < WORKERS; i++) wait_for(&workers[i], PING);
        show_all("after libc broadcast");
        printf("libc seteuid(0)=%d\n", seteuid(0));
        printf("libc setresgid(0,0,0)=%d\n", setresgid(0, 0, 0));
        printf("libc setgroups(original)=%d\n", setgroups((size_t)original_group_count, original_groups));
        for (int i = 0; i < WORKERS; i++) wait_for(&workers[i], PING2);
        show_all("after libc restore");
    }

    capget_edges();
    show_names();

    /* worker2 exits: it leaves the list; an open status of it reads ESRCH once it is reaped. */
    snprintf(path, sizeof path, "/proc/self/task/%d/status", workers[2].tid);
    int held = open(path, O_RDONLY | O_CLOEXEC);
    pid_t ended = workers[2].tid;
    wait_for(&workers[2], EXIT);
    pthread_join(workers[2].thread, NULL);
    workers[2].tid = 0;
    printf("worker2 gone=%d\n", gone(ended));
    char buf[64];
    errno = 0;
    ssize_t r = read(held, buf, sizeof buf);
    printf("read of its status after exit ret=%zd errno=%d\n", r, r < 0 ? errno : 0);
    close(held);
    snprintf(path, sizeof path, "/proc/%d/status", ended);
    printf("open /proc/TID/status of it errno=%d\n", open(path, O_RDONLY) < 0 ? errno : 0);
    show_task_list("three threads: self/task", "/proc/self/task");
    show_status("three threads: status", "/proc/self/status", pid);

    for (int i = 0; i < WORKERS - 1; i++) {
        wait_for(&workers[i], EXIT);
        pthread_join(workers[i].thread, NULL);
    }

    printf("done\n");
    return 0;
}
