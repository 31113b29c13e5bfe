/* Fidelity (issue 11): open() of a FIFO waits for the other end, and any signal ends that wait as on Linux. A handler
 * without SA_RESTART makes the open fail with EINTR (for a reader, a writer, O_CREAT on the existing FIFO, and a
 * reopen through /proc/self/fd/N); with SA_RESTART the open goes on and completes when a peer arrives later; a fatal
 * signal (alarm's SIGALRM, a SIGTERM from another process) ends a process blocked in it. O_NONBLOCK: a reader opens at
 * once, a writer without a reader is ENXIO, a writer with one opens; a blocking open whose peer is already there
 * returns at once without O_NONBLOCK in its flags; O_RDWR never waits. Two processes opening the two ends meet and
 * pass data, either way round. Linux is the oracle. Build: musl-gcc -static -O1 (and gcc -static). */
#include "probe_common.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

/* When the timer fires, in milliseconds after it is armed. */
#define TIMER_MS 200
/* How long a peer child waits before it opens its end (longer than TIMER_MS). */
#define PEER_DELAY_MS 600

static volatile sig_atomic_t handled;
static char dir[64];
static int serial;

static void on_signal(int sig) { (void)sig; handled++; }

static void set_action(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) { perror("sigaction"); exit(2); }
}

static void arm_timer(long ms)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_usec = (ms % 1000) * 1000;
    if (setitimer(ITIMER_REAL, &it, NULL) != 0) { perror("setitimer"); exit(2); }
}

/* A new FIFO in the scratch directory; its path goes to out. */
static const char *new_fifo(char *out)
{
    sprintf(out, "%s/fifo%d", dir, serial++);
    if (mkfifo(out, 0600) != 0) { perror("mkfifo"); exit(2); }
    return out;
}

static long raw_open(const char *path, int flags) { return syscall(SYS_openat, AT_FDCWD, path, flags, 0600); }

/* The flags that matter in F_GETFL of a FIFO descriptor. */
static long status_flags(long fd) { return fd < 0 ? -1 : (fcntl((int)fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)); }

static void report_open(const char *name, long fd)
{
    int e = fd < 0 ? errno : 0;
    printf("%s ok=%d errno=%d flags=%#lx handled=%d\n", name, fd >= 0, e, status_flags(fd), (int)handled);
    fflush(stdout);
}

/* A blocking open of path that nothing completes: a handler without SA_RESTART ends it with EINTR. */
static void interrupted_open(const char *name, const char *path, int flags)
{
    set_action(SIGALRM, on_signal, 0);
    handled = 0;
    arm_timer(TIMER_MS);
    long fd = raw_open(path, flags);
    report_open(name, fd);
    if (fd >= 0) close((int)fd);
    set_action(SIGALRM, SIG_DFL, 0);
}

/* The same on a new FIFO, opened by its path or through /proc/self/fd/N of an O_PATH descriptor. */
static void interrupted(const char *name, int flags, int via_proc)
{
    char path[128];
    new_fifo(path);
    char opened[128];
    int node = -1;
    if (via_proc) {
        node = open(path, O_PATH);
        sprintf(opened, "/proc/self/fd/%d", node);
    } else {
        strcpy(opened, path);
    }

    interrupted_open(name, opened, flags);
    if (node >= 0) close(node);
}

/* A child that waits, then opens the other end of path and writes "peer\n" or reads everything; its exit status is
 * the number of bytes it read. */
static pid_t late_peer(const char *path, int writer)
{
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(2); }
    if (pid == 0) {
        usleep(PEER_DELAY_MS * 1000);
        int fd = open(path, writer ? O_WRONLY : O_RDONLY);
        if (fd < 0) _exit(100);
        if (writer) {
            if (write(fd, "peer\n", 5) != 5) _exit(101);
            _exit(0);
        }
        char buf[64];
        long n, total = 0;
        while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
        _exit((int)total);
    }
    return pid;
}

static int child_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); exit(2); }
    return status;
}

static void report_status(const char *name, int status)
{
    printf("%s exited=%d code=%d signaled=%d sig=%d\n", name, WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    fflush(stdout);
}

/* SA_RESTART: the timer's handler runs while the open waits, and the open completes when the late peer arrives. */
static void restarted(const char *name, int reader)
{
    char path[128];
    new_fifo(path);
    set_action(SIGALRM, on_signal, SA_RESTART);
    handled = 0;
    arm_timer(TIMER_MS);
    pid_t pid = late_peer(path, reader);
    long fd = raw_open(path, reader ? O_RDONLY : O_WRONLY);
    report_open(name, fd);
    if (fd >= 0 && reader) {
        char buf[16] = { 0 };
        long n = read((int)fd, buf, sizeof buf - 1);
        printf("%s read=%ld data=%s", name, n, n > 0 ? buf : "\n");
    } else if (fd >= 0) {
        printf("%s wrote=%ld\n", name, (long)write((int)fd, "abc", 3));
    }
    if (fd >= 0) close((int)fd);
    report_status(name, child_status(pid));
    set_action(SIGALRM, SIG_DFL, 0);
}

/* A fatal signal ends a process blocked in the open: its own alarm, or SIGTERM from its parent. */
static void killed(const char *name, int by_parent, int flags)
{
    char path[128];
    new_fifo(path);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(2); }
    if (pid == 0) {
        if (!by_parent) arm_timer(TIMER_MS);
        raw_open(path, flags);
        _exit(50);
    }
    if (by_parent) {
        usleep(TIMER_MS * 1000);
        kill(pid, SIGTERM);
    }
    report_status(name, child_status(pid));
}

static void nonblocking(void)
{
    char path[128];
    new_fifo(path);
    handled = 0;
    long writer_alone = raw_open(path, O_WRONLY | O_NONBLOCK);
    report_open("nonblock_writer_no_reader", writer_alone);
    long reader = raw_open(path, O_RDONLY | O_NONBLOCK);
    report_open("nonblock_reader", reader);
    char c;
    long n = read((int)reader, &c, 1);
    printf("nonblock_read_empty ret=%ld errno=%d\n", n, n < 0 ? errno : 0);
    long writer = raw_open(path, O_WRONLY | O_NONBLOCK);
    report_open("nonblock_writer_with_reader", writer);
    long blocking_writer = raw_open(path, O_WRONLY);
    report_open("blocking_writer_with_reader", blocking_writer);
    long blocking_reader = raw_open(path, O_RDONLY);
    report_open("blocking_reader_with_writer", blocking_reader);
    long creat_writer = raw_open(path, O_WRONLY | O_CREAT | O_TRUNC);
    report_open("creat_trunc_writer_with_reader", creat_writer);
    close((int)writer_alone);
    close((int)reader);
    close((int)writer);
    close((int)blocking_writer);
    close((int)blocking_reader);
    close((int)creat_writer);

    char other[128];
    new_fifo(other);
    long both = raw_open(other, O_RDWR);
    report_open("rdwr_alone", both);
    printf("rdwr_roundtrip write=%ld", (long)write((int)both, "xy", 2));
    char buf[4] = { 0 };
    printf(" read=%ld data=%s\n", (long)read((int)both, buf, 2), buf);
    close((int)both);
    long excl = raw_open(other, O_WRONLY | O_CREAT | O_EXCL);
    report_open("creat_excl_existing", excl);
    long dir_flag = raw_open(other, O_RDONLY | O_DIRECTORY);
    report_open("directory_flag", dir_flag);
}

/* Parent and child open the two ends with blocking opens and meet. */
static void meet(const char *name, int parent_reads)
{
    char path[128];
    new_fifo(path);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(2); }
    if (pid == 0) {
        int fd = open(path, parent_reads ? O_WRONLY : O_RDONLY);
        if (fd < 0) _exit(100);
        if (parent_reads) {
            _exit(write(fd, "hello from child\n", 17) == 17 ? 0 : 101);
        }
        char buf[64];
        long m, total = 0;
        while ((m = read(fd, buf, sizeof buf)) > 0) total += m;
        _exit((int)total);
    }
    handled = 0;
    long fd = raw_open(path, parent_reads ? O_RDONLY : O_WRONLY);
    report_open(name, fd);
    if (fd >= 0 && parent_reads) {
        char buf[64] = { 0 };
        long total = 0, m;
        while ((m = read((int)fd, buf + total, sizeof buf - 1 - total)) > 0) total += m;
        printf("%s read=%ld data=%s", name, total, buf);
    } else if (fd >= 0) {
        printf("%s wrote=%ld\n", name, (long)write((int)fd, "from parent\n", 12));
    }
    if (fd >= 0) close((int)fd);
    report_status(name, child_status(pid));
}

/* Roles for tests that watch another process on the same FIFO, named by FIFO_OPEN_PATH; FIFO_OPEN_WRITE=1 opens for
 * writing instead of reading. "hold" (the default) says so, then blocks in the open until a peer comes; "interrupt"
 * (FIFO_OPEN_INTERRUPT=1) makes one open that its own SIGALRM interrupts. */
static int hold(const char *path, int flags)
{
    printf("opening\n");
    fflush(stdout);
    long fd = raw_open(path, flags);
    printf("opened %d\n", fd >= 0);
    return 0;
}

static int role(const char *path)
{
    const char *write_env = getenv("FIFO_OPEN_WRITE");
    const char *interrupt_env = getenv("FIFO_OPEN_INTERRUPT");
    int flags = write_env != NULL && strcmp(write_env, "1") == 0 ? O_WRONLY : O_RDONLY;
    if (interrupt_env == NULL || strcmp(interrupt_env, "1") != 0) return hold(path, flags);
    interrupted_open(flags == O_WRONLY ? "eintr_writer_beside_another" : "eintr_reader_beside_another", path, flags);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *held = getenv("FIFO_OPEN_PATH");
    if (held != NULL) return role(held);

    strcpy(dir, "/tmp/usermem-fifo-XXXXXX");
    if (mkdtemp(dir) == NULL) { perror("mkdtemp"); return 2; }

    interrupted("eintr_reader", O_RDONLY, 0);
    interrupted("eintr_writer", O_WRONLY, 0);
    interrupted("eintr_creat_existing", O_WRONLY | O_CREAT | O_TRUNC, 0);
    interrupted("eintr_cloexec_reader", O_RDONLY | O_CLOEXEC, 0);
    interrupted("eintr_proc_fd_reader", O_RDONLY, 1);
    restarted("restart_reader", 1);
    restarted("restart_writer", 0);
    killed("alarm_kills_reader", 0, O_RDONLY);
    killed("sigterm_kills_writer", 1, O_WRONLY);
    killed("sigterm_kills_reader", 1, O_RDONLY);
    nonblocking();
    meet("meet_parent_reads", 1);
    meet("meet_parent_writes", 0);

    char path[160];
    for (int i = 0; i < serial; i++) {
        sprintf(path, "%s/fifo%d", dir, i);
        unlink(path);
    }
    printf("cleanup rmdir=%d\n", rmdir(dir));
    return 0;
}
