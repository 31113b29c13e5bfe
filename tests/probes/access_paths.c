/* access() and faccessat() on the paths a shell hands out: process substitution's /dev/fd/N and /proc/self/fd/N for
 * a pipe, the standard streams, a symbolic link to a file, a dangling one, and a directory. access() follows links
 * like faccessat(AT_FDCWD, path, mode, 0); the runner once treated access() as a write check on descriptor links
 * (EACCES for `sort <(seq 3)`) and did not follow a final symbolic link. Linux is the oracle.
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check(const char *label, const char *path)
{
    static const int modes[] = { F_OK, R_OK, W_OK, X_OK, R_OK | W_OK };
    static const char *names[] = { "F", "R", "W", "X", "RW" };
    printf("%s:", label);
    for (int i = 0; i < 5; i++) {
        errno = 0;
        int a = access(path, modes[i]);
        int ea = a ? errno : 0;
        errno = 0;
        int f = faccessat(AT_FDCWD, path, modes[i], 0);
        int ef = f ? errno : 0;
        printf(" %s=%d/%d", names[i], a ? -ea : 0, f ? -ef : 0);
    }
    printf("\n");
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    int p[2];
    if (pipe(p) != 0) return 2;
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", p[0]);
    check("dev_fd_pipe_read_end", path);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    check("proc_fd_pipe_write_end", path);

    char dir[] = "/tmp/access_paths_XXXXXX";
    if (!mkdtemp(dir)) return 2;
    char file[128], link[128], dangling[128], sub[128], fdfile[64];
    snprintf(file, sizeof file, "%s/file", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(dangling, sizeof dangling, "%s/dangling", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    close(fd);
    symlink(file, link);
    symlink("/nonexistent/target", dangling);
    mkdir(sub, 0755);
    check("file", file);
    check("link_to_file", link);
    check("dangling_link", dangling);
    check("directory", sub);
    fd = open(file, O_RDONLY);
    snprintf(fdfile, sizeof fdfile, "/proc/self/fd/%d", fd);
    check("proc_fd_file", fdfile);
    unlink(file);
    check("proc_fd_deleted_file", fdfile);
    unlink(link);
    unlink(dangling);
    rmdir(sub);
    rmdir(dir);
    return 0;
}
