/* A process running as root drops to another user and executes a program (Go's SysProcAttr.Credential, su, daemons):
 * the program runs. Under the runner the next runner takes the new host credentials, which may no longer open the
 * CPU backend's device (/dev/kvm).
 *
 *   drop     copies itself into a new directory anyone can read, forks; the child sets gid and uid 99 and executes
 *            the copy, which prints its ids; the parent reports the child's status. Not root: the setuid fails the
 *            same way natively and under the runner.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/stat.h>
#include <sys/wait.h>

#define OTHER_ID 99

static int copy_self(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (in < 0 || out < 0) return -1;
    char buf[65536];
    long n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n) return -1;
    close(in);
    close(out);
    return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "child") == 0) {
        printf("child uid=%d gid=%d\n", (int)getuid(), (int)getgid());
        return 0;
    }
    if (strcmp(mode, "drop") != 0) {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }

    char dir[] = "/tmp/usermem-probe-user-XXXXXX";
    if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0) { perror("mkdtemp"); return 2; }
    char copy[sizeof dir + 16];
    snprintf(copy, sizeof copy, "%s/copy", dir);
    if (copy_self("/proc/self/exe", copy) != 0) { perror("copy"); return 2; }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int gid = setgid(OTHER_ID), uid = gid == 0 ? setuid(OTHER_ID) : -1;
        if (gid != 0 || uid != 0) { printf("setid failed errno=%d\n", errno); fflush(stdout); _exit(3); }
        execl(copy, copy, "child", (char *)NULL);
        printf("exec failed errno=%d\n", errno);
        fflush(stdout);
        _exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("child exited=%d status=%d\n", WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    unlink(copy);
    rmdir(dir);
    puts("done");
    return 0;
}
