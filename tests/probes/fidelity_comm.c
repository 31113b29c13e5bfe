/* Fidelity (issue 11): the command name (comm). prctl(PR_GET_NAME/PR_SET_NAME) read and set it (15 bytes kept, a bad
 * pointer is EFAULT), /proc/self/comm and stat show it, a fork child inherits it, and another process of the sandbox
 * reads it from /proc/PID/comm. With "execfn": AT_EXECFN and comm when run through a link or as a #! interpreter.
 * readv on the synthetic file fills the buffers in order. Build: musl-gcc -static -O1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show_file(const char *label, const char *path)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (f == NULL) { printf("%s: open errno=%d\n", label, errno); return; }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl != NULL) *nl = 0;
    printf("%s: [%s]\n", label, buf);
}

static void show_name(const char *label)
{
    char name[17];
    memset(name, 'x', sizeof name);
    name[16] = 0;
    long r = prctl(PR_GET_NAME, name);
    printf("%s: r=%ld [%s] byte15=%d\n", label, r, name, name[15]);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "execfn") == 0) {
        /* Run through a link or as a script's interpreter: AT_EXECFN and comm come from the path execve was given. */
        printf("execfn=%s argv0=%s\n", (const char *)getauxval(AT_EXECFN), argv[0]);
        show_name("name");
        return 0;
    }
    show_name("start");
    printf("set long: r=%d\n", prctl(PR_SET_NAME, "a-rather-long-command-name"));
    show_name("after long");
    errno = 0;
    int bad = prctl(PR_SET_NAME, (char *)8);
    printf("set bad pointer: r=%d errno=%d\n", bad, errno);
    printf("set short: r=%d\n", prctl(PR_SET_NAME, "probe-name"));
    show_name("after short");
    show_file("self comm", "/proc/self/comm");
    char stat[256] = {0};
    FILE *f = fopen("/proc/self/stat", "r");
    if (f != NULL) { if (fgets(stat, sizeof stat, f) != NULL) { char *end = strchr(stat, ')'); if (end) end[1] = 0; printf("stat: %s\n", strchr(stat, '(')); } fclose(f); }
    /* readv with two buffers, as musl's stdio reads: the synthetic file fills them in order. */
    char first[4] = {0}, second[32] = {0};
    struct iovec iov[2] = {{first, sizeof first}, {second, sizeof second - 1}};
    int fd = open("/proc/self/comm", O_RDONLY);
    long n = readv(fd, iov, 2);
    printf("readv: n=%ld [%.4s][%s]\n", n, first, second);
    printf("readv at end: n=%ld\n", (long)readv(fd, iov, 2));
    close(fd);
    fflush(stdout);

    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        show_name("child");
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/comm", (int)parent);
        show_file("parent comm seen by child", path);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child status=%d\n", status);
    return 0;
}
