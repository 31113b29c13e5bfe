/* Hostile guest, family "proc escapes" (issue 10): /proc/self under every path spelling must show the guest's own
 * process, never the runner's. Each line is a property of what the guest saw, not a host-specific value, so a native
 * run (Linux is the oracle) and a run under usermem-run print the same bytes.
 *
 *   hostile_proc maps   maps under every spelling: no runner names, every readable range readable by the guest,
 *                       the guest's code, data and stack listed
 *   hostile_proc mem    /proc/self/mem under every spelling: reads the guest's bytes, EIO at unmapped or kernel
 *                       addresses, a write of code into the guest's own text changes the guest's function only
 *   hostile_proc files  exe, cmdline, environ, comm, status (signal masks), stat, auxv
 *   hostile_proc fd     fd/ and fdinfo/ under every spelling and /dev/fd list the guest's descriptors only
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <dirent.h>
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/stat.h>

extern char **environ;

#define BIG (1 << 20)
static char text[BIG];
static char tmpdir[64];
static int proc_dirfd = -1;
static volatile int data_marker = 0x5eed1234;
static char *argv0;

/* One way of naming the /proc/<pid> directory: a path prefix, or a directory descriptor plus a relative prefix. */
struct spelling {
    const char *label;
    int dirfd;
    char prefix[128];
};
static struct spelling spellings[16];
static int nspellings;

static void add(const char *label, int dirfd, const char *prefix)
{
    struct spelling *s = &spellings[nspellings++];
    s->label = label;
    s->dirfd = dirfd;
    snprintf(s->prefix, sizeof s->prefix, "%s", prefix);
}

static void make_spellings(void)
{
    char b[128];
    add("/proc/self", AT_FDCWD, "/proc/self");
    add("/proc/thread-self", AT_FDCWD, "/proc/thread-self");
    snprintf(b, sizeof b, "/proc/%d", (int)getpid());
    add("/proc/<pid>", AT_FDCWD, b);
    add("/proc/./self", AT_FDCWD, "/proc/./self");
    add("//proc/self/../self", AT_FDCWD, "//proc/self/../self");
    proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY);
    add("openat(/proc dirfd)", proc_dirfd, "self");
    strcpy(tmpdir, "/tmp/usermem-proc-XXXXXX");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(2); }
    snprintf(b, sizeof b, "%s/self-link", tmpdir);
    symlink("/proc/self", b);
    add("symlink->/proc/self", AT_FDCWD, b);
    snprintf(b, sizeof b, "%s/proc-link", tmpdir);
    symlink("/proc", b);
    snprintf(b, sizeof b, "%s/proc-link/self", tmpdir);
    add("symlink->/proc + self", AT_FDCWD, b);
    add("/dev/fd/..", AT_FDCWD, "/dev/fd/..");
}

static void cleanup(void)
{
    char b[128];
    snprintf(b, sizeof b, "%s/self-link", tmpdir);
    unlink(b);
    snprintf(b, sizeof b, "%s/proc-link", tmpdir);
    unlink(b);
    rmdir(tmpdir);
}

static int open_in(const struct spelling *s, const char *file, int flags)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->prefix, file);
    return openat(s->dirfd, path, flags);
}

/* Reads a whole file into text (NUL-terminated); returns its length or -errno. */
static long slurp(const struct spelling *s, const char *file)
{
    int fd = open_in(s, file, O_RDONLY);
    if (fd < 0) return -errno;
    long n = 0;
    for (;;) {
        long r = read(fd, text + n, BIG - 1 - n);
        if (r <= 0) break;
        n += r;
        if (n >= BIG - 1) break;
    }
    close(fd);
    text[n] = 0;
    return n;
}

/* ---- maps ---- */

static int readable_by_guest(uintptr_t start)
{
    int p[2];
    if (pipe(p) != 0) return 0;
    long r = write(p[1], (void *)start, 1);
    close(p[0]);
    close(p[1]);
    return r == 1;
}

static void check_maps(const struct spelling *s)
{
    long n = slurp(s, "maps");
    if (n < 0) { printf("maps %s open_errno=%ld\n", s->label, -n); return; }
    int runner_names = 0, foreign = 0, code = 0, data = 0, stack = 0, lines = 0;
    int local = 0;
    uintptr_t code_addr = (uintptr_t)&check_maps, data_addr = (uintptr_t)&data_marker, stack_addr = (uintptr_t)&local;
    char *save = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(0, "\n", &save)) {
        lines++;
        unsigned long start, end;
        char perms[8] = "";
        int name_at = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &name_at) < 3) { foreign++; continue; }
        const char *name = name_at ? line + name_at : "";
        if (strstr(line, "unicorn") || strstr(line, "usermem") || strstr(line, ".so") || strstr(line, "dotnet")
            || strstr(line, "memfd:") || strstr(line, ".dll"))
            runner_names++;
        if (code_addr >= start && code_addr < end) code = 1;
        if (data_addr >= start && data_addr < end) data = 1;
        if (stack_addr >= start && stack_addr < end) stack = 1;
        int special = name[0] == '[' && strcmp(name, "[heap]") != 0 && strcmp(name, "[stack]") != 0;
        if (perms[0] == 'r' && !special && !readable_by_guest(start)) foreign++;
    }
    printf("maps %s lines>0=%d runner_names=%d foreign_ranges=%d code=%d data=%d stack=%d\n", s->label, lines > 0,
           runner_names, foreign, code, data, stack);
}

/* ---- mem ---- */

__attribute__((noinline, aligned(64))) static int target(void) { return 1; }
static int (*volatile call_target)(void) = target;

static void check_mem(const struct spelling *s, int write_code)
{
    int fd = open_in(s, "mem", O_RDWR);
    if (fd < 0) { printf("mem %s open_errno=%d\n", s->label, errno); return; }
    int got = 0;
    long r = pread(fd, &got, sizeof got, (off_t)(uintptr_t)&data_marker);
    int same = r == sizeof got && got == data_marker;
    char *hole = page_then_hole() + 4096;
    char b[16];
    errno = 0;
    long unmapped = pread(fd, b, sizeof b, (off_t)(uintptr_t)hole);
    int unmapped_errno = unmapped < 0 ? errno : 0;
    errno = 0;
    long kernel = pread(fd, b, sizeof b, (off_t)0xffffffff81000000UL);
    int kernel_errno = kernel < 0 ? errno : 0;
    errno = 0;
    long low = pwrite(fd, "x", 1, (off_t)0x10000);
    int low_errno = low < 0 ? errno : 0;
    /* A write through mem reaches the guest's own variable. */
    int value = 0x600dbeef;
    long w = pwrite(fd, &value, sizeof value, (off_t)(uintptr_t)&data_marker);
    int wrote = w == sizeof value && data_marker == 0x600dbeef;
    data_marker = 0x5eed1234;
    printf("mem %s read_guest=%d unmapped=%ld/%d kernel=%ld/%d write_low=%ld/%d write_guest=%d\n", s->label, same,
           unmapped, unmapped_errno, kernel, kernel_errno, low, low_errno, wrote);
    if (write_code) {
        /* Shellcode through mem into the guest's own (read-only, already executed) text: Linux writes it (FOLL_FORCE);
         * under the runner it must land in guest memory, nowhere else. mov eax, 42; ret */
        static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
        int before = call_target();
        long cw = pwrite(fd, code, sizeof code, (off_t)(uintptr_t)target);
        int cw_errno = cw < 0 ? errno : 0;
        int after = call_target();
        printf("mem shellcode before=%d write=%ld/%d after=%d\n", before, cw, cw_errno, after);
    }
    munmap(hole - 4096, 4096);
    close(fd);
}

/* ---- files ---- */

static void check_files(const struct spelling *s, int all)
{
    char link[512];
    char want[512];
    long n = readlinkat(s->dirfd, (snprintf(want, sizeof want, "%s/exe", s->prefix), want), link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    char *real = realpath(argv0, 0);
    printf("exe %s match=%d\n", s->label, real && strcmp(real, link) == 0);
    free(real);

    /* Signal masks: the guest's, set just before. */
    n = slurp(s, "status");
    char *blk = n > 0 ? strstr(text, "\nSigBlk:\t") : 0;
    char *ign = n > 0 ? strstr(text, "\nSigIgn:\t") : 0;
    char *pid = n > 0 ? strstr(text, "\nPid:\t") : 0;
    char *name = n > 0 ? strstr(text, "Name:\t") : 0;
    unsigned long long ignored = ign ? strtoull(ign + 9, 0, 16) : 0;
    char blocked[17] = "";
    if (blk) memcpy(blocked, blk + 9, 16);
    const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    char comm[16];
    snprintf(comm, sizeof comm, "%s", base);
    int name_ok = name && strncmp(name + 6, comm, strlen(comm)) == 0 && name[6 + strlen(comm)] == '\n';
    printf("status %s pid=%d name=%d sigblk=%s sigign_usr2=%d\n", s->label, pid && atoi(pid + 6) == getpid(), name_ok,
           blocked, (int)((ignored >> (SIGUSR2 - 1)) & 1));
    if (!all) return;

    /* cmdline: argv, NUL-separated. */
    n = slurp(s, "cmdline");
    printf("cmdline %s match=%d\n", s->label, n == (long)strlen(argv0) + 1 + (long)strlen("files") + 1
           && strcmp(text, argv0) == 0 && strcmp(text + strlen(argv0) + 1, "files") == 0);

    /* environ: the guest's environment, NUL-separated. */
    n = slurp(s, "environ");
    long off = 0;
    int env_ok = n >= 0;
    for (char **e = environ; *e && env_ok; e++) {
        if (off >= n || strcmp(text + off, *e) != 0) env_ok = 0;
        off += strlen(*e) + 1;
    }
    printf("environ %s match=%d\n", s->label, env_ok && off == n);

    n = slurp(s, "comm");
    printf("comm %s match=%d\n", s->label, n == (long)strlen(comm) + 1 && strncmp(text, comm, strlen(comm)) == 0);

    n = slurp(s, "stat");
    int spid = 0;
    char scomm[64] = "";
    int stat_ok = n > 0 && sscanf(text, "%d (%63[^)])", &spid, scomm) == 2 && spid == getpid() && strcmp(scomm, comm) == 0;
    printf("stat %s match=%d\n", s->label, stat_ok);

    n = slurp(s, "auxv");
    int pagesz = 0, entry = 0, phdr = 0;
    for (long i = 0; i + 16 <= n; i += 16) {
        uint64_t k, v;
        memcpy(&k, text + i, 8);
        memcpy(&v, text + i + 8, 8);
        if (k == AT_PAGESZ) pagesz = v == 4096;
        if (k == AT_ENTRY) entry = v == getauxval(AT_ENTRY);
        if (k == AT_PHDR) phdr = v == getauxval(AT_PHDR);
    }
    printf("auxv %s pagesz=%d entry=%d phdr=%d\n", s->label, pagesz, entry, phdr);
}

/* ---- fd ---- */

static int compare_ints(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void list_dir(const char *what, int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) { printf("%s open_errno=%d\n", what, errno); return; }
    int seen[1100];
    int count = 0;
    DIR *d = fdopendir(fd);
    struct dirent *e;
    while (d && (e = readdir(d)) && count < 1100)
        if (e->d_name[0] != '.') seen[count++] = atoi(e->d_name);
    qsort(seen, count, sizeof seen[0], compare_ints);
    printf("%s count=%d list=", what, count);
    for (int i = 0; i < count && i < 40; i++) printf("%s%d", i ? "," : "", seen[i]);
    printf("\n");
    if (d) closedir(d);
}

static void check_fd(void)
{
    char what[160], path[256];
    for (int i = 0; i < nspellings; i++) {
        const struct spelling *s = &spellings[i];
        snprintf(what, sizeof what, "fd %s", s->label);
        snprintf(path, sizeof path, "%s/fd", s->prefix);
        list_dir(what, s->dirfd, path);
        snprintf(what, sizeof what, "fdinfo %s", s->label);
        snprintf(path, sizeof path, "%s/fdinfo", s->prefix);
        list_dir(what, s->dirfd, path);
    }
    list_dir("fd /dev/fd", AT_FDCWD, "/dev/fd");
    /* Open each listed entry by number: only the guest's own descriptors exist there. */
    int found = 0;
    for (int n = 3; n < 1024; n++) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", n);
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd >= 0) { found++; close(fd); }
    }
    printf("fd open_by_number_3_to_1023 found=%d (the guest holds %d)\n", found, proc_dirfd >= 3);
    /* /dev/fd/N reaches the guest's descriptor N. */
    int out = open("/dev/fd/1", O_WRONLY);
    if (out >= 0) { write(out, "written via /dev/fd/1\n", 22); close(out); }
    else printf("open /dev/fd/1 errno=%d\n", errno);
}

int main(int argc, char **argv)
{
    argv0 = argv[0];
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "maps";
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_SETMASK, &set, 0);
    signal(SIGUSR2, SIG_IGN);
    make_spellings();
    for (int i = 0; i < nspellings; i++) {
        if (strcmp(mode, "maps") == 0) check_maps(&spellings[i]);
        else if (strcmp(mode, "mem") == 0) check_mem(&spellings[i], i == 0);
        else if (strcmp(mode, "files") == 0) check_files(&spellings[i], i == 0);
    }
    if (strcmp(mode, "fd") == 0) check_fd();
    cleanup();
    return 0;
}
