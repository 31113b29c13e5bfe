/* Hostile guest, family "confinement": run with --root DIR (and --read-only) by the test, which puts a file
 * containing SECRET outside DIR and etc/hello ("inside") inside it.
 *
 *   hostile_root escape SECRET_PATH   tries to read SECRET through every path trick: .., /proc/self/{root,cwd,fd},
 *                                     /proc/<pid>/root, /dev/fd, openat2 RESOLVE_* flags, O_PATH and *at(AT_EMPTY_PATH),
 *                                     fchdir to saved descriptors, symlink swaps raced by a thread, rename of a
 *                                     directory under a walker, unix socket paths, execve outside; prints "LEAK how"
 *                                     for every success and "escape done"
 *   hostile_root write                every way to change /etc/hello or create files (descriptor calls on read-only
 *                                     descriptors, O_PATH reopen, shared writable mappings, mknod, bind, xattrs,
 *                                     renameat2, copy_file_range, splice, fallocate): prints "CHANGED how" for every
 *                                     success and "write done"
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *secret;
static int leaks;

static void check_fd(const char *how, int fd)
{
    if (fd < 0) return;
    char buf[64] = { 0 };
    long n = pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0 && strstr(buf, "SECRET")) { printf("LEAK %s\n", how); leaks++; }
    close(fd);
}

static void check_path(const char *how, int dirfd, const char *path)
{
    check_fd(how, openat(dirfd, path, O_RDONLY));
}

struct open_how_s { uint64_t flags, mode, resolve; };

static void check_openat2(const char *how, int dirfd, const char *path, uint64_t resolve)
{
    struct open_how_s h = { O_RDONLY, 0, resolve };
    check_fd(how, (int)syscall(SYS_openat2, dirfd, path, &h, sizeof h));
}

static volatile int racing = 1;
static void *swap_link(void *arg)
{
    (void)arg;
    while (racing) {
        symlink(secret, "/tmp/race_new");
        rename("/tmp/race_new", "/tmp/race");
        unlink("/tmp/race");
        symlink("/etc/hello", "/tmp/race");
        sched_yield();
        unlink("/tmp/race");
    }
    return 0;
}

static void *swap_dir(void *arg)
{
    (void)arg;
    while (racing) {
        rename("/tmp/a/b", "/tmp/moved");
        rename("/tmp/moved", "/tmp/a/b");
    }
    return 0;
}

static void escape(void)
{
    char p[4096];
    int root = open("/", O_RDONLY | O_DIRECTORY);
    int procself = open("/proc/self", O_RDONLY | O_DIRECTORY);
    check_path("plain", AT_FDCWD, secret);
    snprintf(p, sizeof p, "/../../../../..%s", secret); check_path("dotdot", AT_FDCWD, p);
    snprintf(p, sizeof p, "../../../../../..%s", secret); check_path("relative dotdot", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/self/root/../..%s", secret); check_path("proc root dotdot", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/self/cwd/../../../..%s", secret); check_path("proc cwd", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/%d/root%s", getpid(), secret); check_path("proc pid root", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/1/root%s", secret); check_path("proc 1 root", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/%d/root%s", getppid(), secret); check_path("proc parent root", AT_FDCWD, p);
    snprintf(p, sizeof p, "root/../../..%s", secret); check_path("procfd root", procself, p);
    snprintf(p, sizeof p, "/dev/fd/%d/../../..%s", root, secret); check_path("dev fd dir", AT_FDCWD, p);
    snprintf(p, sizeof p, "/proc/self/fd/%d/../../..%s", root, secret); check_path("proc fd dir", AT_FDCWD, p);
    snprintf(p, sizeof p, "../../../..%s", secret); check_path("dirfd root dotdot", root, p);
    check_openat2("openat2 plain", AT_FDCWD, secret, 0);
    check_openat2("openat2 in_root", root, secret, 0x10 /* RESOLVE_IN_ROOT */);
    check_openat2("openat2 beneath", root, secret + 1, 0x08 /* RESOLVE_BENEATH */);
    snprintf(p, sizeof p, "../../../..%s", secret);
    check_openat2("openat2 dotdot beneath", root, p, 0x08);
    check_openat2("openat2 magiclinks", AT_FDCWD, "/proc/self/root/../../../etc/passwd", 0);
    for (int fd = 3; fd < 1024; fd++) {
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        long n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            snprintf(p, sizeof p, "/proc/self/fd/%d/../../../..%s", fd, secret); check_path("fd scan", AT_FDCWD, p);
        }
    }
    /* O_PATH descriptors and *at(AT_EMPTY_PATH). */
    int opath = open("/", O_PATH);
    snprintf(p, sizeof p, "../../..%s", secret); check_path("opath dotdot", opath, p);
    struct stat st;
    if (fstatat(opath, "", &st, AT_EMPTY_PATH) == 0 && st.st_ino != 0) {
        struct stat real;
        if (stat(secret, &real) == 0 && real.st_ino == st.st_ino) { printf("LEAK stat\n"); leaks++; }
    }
    /* fchdir and chdir games. */
    if (chdir("/tmp") == 0) {
        for (int i = 0; i < 64; i++) chdir("..");
        check_path("chdir dotdot", AT_FDCWD, secret + 1);
        char cwd[4096];
        if (getcwd(cwd, sizeof cwd) && strcmp(cwd, "/")) { printf("LEAK getcwd %s\n", cwd); leaks++; }
    }
    fchdir(root);
    mkdir("/tmp/a", 0755); mkdir("/tmp/a/b", 0755);
    chdir("/tmp/a/b");
    rename("/tmp/a/b", "/tmp/b2"); /* cwd moved up one level, now only ../.. reaches / */
    snprintf(p, sizeof p, "../../../../../../..%s", secret); check_path("moved cwd", AT_FDCWD, p);
    rename("/tmp/b2", "/tmp/a/b");
    fchdir(root);
    /* Raced symlinks and directories. */
    pthread_t th;
    racing = 1;
    pthread_create(&th, 0, swap_link, 0);
    for (int i = 0; i < 3000; i++) check_path("symlink race", AT_FDCWD, "/tmp/race");
    racing = 0;
    pthread_join(th, 0);
    racing = 1;
    pthread_create(&th, 0, swap_dir, 0);
    snprintf(p, sizeof p, "/tmp/a/b/../../../../../../../../..%s", secret);
    for (int i = 0; i < 3000; i++) check_path("dir race", AT_FDCWD, p);
    racing = 0;
    pthread_join(th, 0);
    /* unix socket paths and exec outside. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof un.sun_path, "/../../tmp/usermem-escape-%d", getpid());
    if (bind(s, (struct sockaddr *)&un, sizeof un) == 0) unlink(un.sun_path);
    close(s);
    char *argv[] = { "cat", (char *)secret, 0 };
    pid_t pid = fork();
    if (pid == 0) { execve("/bin/cat", argv, (char *[]){ 0 }); execve("/usr/bin/cat", argv, (char *[]){ 0 }); _exit(99); }
    int status;
    waitpid(pid, &status, 0);
    char target[4096];
    long n = readlink("/proc/self/root", target, sizeof target - 1);
    if (n > 0) { target[n] = 0; if (strcmp(target, "/")) { printf("LEAK root link %s\n", target); leaks++; } }
    n = readlink("/proc/self/cwd", target, sizeof target - 1);
    if (n > 0) { target[n] = 0; if (target[0] != '/' || strstr(target, "usermem-root")) { printf("LEAK cwd link %s\n", target); leaks++; } }
    int mi = open("/proc/self/mountinfo", O_RDONLY);
    if (mi >= 0) { char b[65536]; long k = read(mi, b, sizeof b - 1); if (k > 0) { b[k] = 0; if (strstr(b, "usermem-root")) { printf("LEAK mountinfo\n"); leaks++; } } close(mi); }
    printf("escape done leaks=%d exec_status=%d\n", leaks, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int changes;
static void changed(const char *how, long r)
{
    if (r >= 0) { printf("CHANGED %s\n", how); changes++; }
}

static void write_attempts(void)
{
    int ro = open("/etc/hello", O_RDONLY);
    int opath = open("/etc/hello", O_PATH);
    int dir = open("/etc", O_RDONLY | O_DIRECTORY);
    char p[64];
    changed("fchmod", fchmod(ro, 0777));
    changed("fchown", fchown(ro, 1, 1));
    changed("futimens", futimens(ro, (struct timespec[2]){ { 1, 0 }, { 1, 0 } }));
    changed("utimensat empty path", utimensat(ro, "", (struct timespec[2]){ { 2, 0 }, { 2, 0 } }, AT_EMPTY_PATH));
    changed("utimensat null path", syscall(SYS_utimensat, ro, 0, (struct timespec[2]){ { 3, 0 }, { 3, 0 } }, 0));
    changed("fchmodat empty", syscall(SYS_fchmodat, opath, "", 0777, 0));
    changed("fchownat empty", fchownat(opath, "", 1, 1, AT_EMPTY_PATH));
    changed("ftruncate ro", ftruncate(ro, 0));
    changed("fallocate ro", fallocate(ro, 0, 0, 4096));
    changed("fsetxattr", fsetxattr(ro, "user.x", "1", 1, 0));
    changed("setxattr", setxattr("/etc/hello", "user.x", "1", 1, 0));
    changed("lsetxattr", lsetxattr("/etc/hello", "user.x", "1", 1, 0));
    changed("fremovexattr", fremovexattr(ro, "user.x"));
    snprintf(p, sizeof p, "/proc/self/fd/%d", ro); changed("reopen ro fd rw", open(p, O_RDWR));
    snprintf(p, sizeof p, "/proc/self/fd/%d", opath); changed("reopen opath rw", open(p, O_WRONLY | O_TRUNC));
    snprintf(p, sizeof p, "/dev/fd/%d", ro); changed("devfd reopen append", open(p, O_WRONLY | O_APPEND));
    changed("linkat empty", linkat(ro, "", AT_FDCWD, "/etc/linked", AT_EMPTY_PATH));
    snprintf(p, sizeof p, "/proc/self/fd/%d", ro); changed("linkat proc fd", linkat(AT_FDCWD, p, AT_FDCWD, "/etc/linked2", AT_SYMLINK_FOLLOW));
    changed("renameat2 exchange", syscall(SYS_renameat2, dir, "hello", dir, "../tmp", 2));
    changed("renameat2 noreplace", syscall(SYS_renameat2, dir, "hello", dir, "hello2", 1));
    changed("renameat2 whiteout", syscall(SYS_renameat2, dir, "hello", dir, "hello3", 4));
    changed("mknod fifo", mknod("/etc/fifo", S_IFIFO | 0644, 0));
    changed("mknodat reg", mknodat(dir, "reg", S_IFREG | 0644, 0));
    changed("mkfifoat", mkfifoat(dir, "fifo2", 0644));
    changed("open tmpfile", open("/etc", O_TMPFILE | O_RDWR, 0644));
    changed("creat", creat("/etc/created", 0644));
    changed("open creat excl rdonly", open("/etc/created2", O_RDONLY | O_CREAT | O_EXCL, 0644));
    changed("open trunc rdonly", open("/etc/hello", O_RDONLY | O_TRUNC));
    changed("truncate", truncate("/etc/hello", 1));
    changed("symlinkat", symlinkat("x", dir, "sym"));
    changed("unlinkat dir", unlinkat(dir, "hello", 0));
    changed("rmdir tmp", rmdir("/tmp"));
    changed("mkdirat", mkdirat(dir, "sub", 0755));
    changed("chmod dir", chmod("/etc", 0700));
    changed("lchown", lchown("/etc/hello", 1, 1));
    changed("utimes", utimes("/etc/hello", (struct timeval[2]){ { 5, 0 }, { 5, 0 } }));
    changed("utime", syscall(SYS_utime, "/etc/hello", 0));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/etc/sock" };
    changed("bind unix", bind(s, (struct sockaddr *)&un, sizeof un));
    char *m = mmap(0, 4096, PROT_READ, MAP_SHARED, ro, 0);
    if (m != MAP_FAILED) changed("mprotect shared ro write", mprotect(m, 4096, PROT_READ | PROT_WRITE));
    void *w = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    changed("mmap shared write ro fd", w == MAP_FAILED ? -1 : 0);
    /* A private writable mapping is allowed but must not reach the file. */
    char *pm = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    if (pm != MAP_FAILED) { pm[0] = 'X'; msync(pm, 4096, MS_SYNC); munmap(pm, 4096); }
    int pipefd[2];
    pipe(pipefd);
    write(pipefd[1], "XXXX", 4);
    loff_t off = 0;
    changed("splice into ro fd", splice(pipefd[0], 0, ro, &off, 4, 0));
    int mf = memfd_create("m", 0);
    write(mf, "YYYY", 4);
    loff_t in = 0, out = 0;
    changed("copy_file_range into ro fd", syscall(SYS_copy_file_range, mf, &in, ro, &out, 4, 0));
    in = 0;
    changed("sendfile into ro fd", sendfile(ro, mf, (off_t *)&in, 4));
    changed("pwrite ro fd", pwrite(ro, "Z", 1, 0));
    changed("write opath", write(opath, "Z", 1));
    char buf[64] = { 0 };
    pread(ro, buf, sizeof buf - 1, 0);
    printf("hello now: %s", buf);
    printf("write done changes=%d\n", changes);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 2 && !strcmp(argv[1], "escape")) { secret = argv[2]; escape(); }
    else if (argc > 1 && !strcmp(argv[1], "write")) write_attempts();
    return 0;
}
