/* Fidelity (issue 11), bytes never strings: file names, link targets, the working directory and an executable's path
 * made of bytes that are not UTF-8 must reach the kernel and come back unchanged. Prints everything in hex; Linux is
 * the oracle. The program execs itself through a symlink with a non-UTF-8 name, with "child" as argument.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void hex(const char *label, const char *s, long n)
{
    printf("%s len=%ld hex=", label, n);
    for (long i = 0; i < n; i++) printf("%02x", (unsigned char)s[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        char self[256];
        long n = readlink("/proc/self/exe", self, sizeof self);
        printf("child argv0_suffix_ok=%d exe_ok=%d\n", strstr(argv[0], "run\xff\x80") != 0, n > 0);
        return 0;
    }
    char dir[64];
    strcpy(dir, "/tmp/usermem-bytes-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    chdir(dir);
    int files = argc > 1 && strcmp(argv[1], "files") == 0;
    static const char odd[] = "f\xff\xfe\xc3\x28.txt";
    static const char moved[] = "g\x80\xed\xa0\x80";
    static const char sub[] = "d\xf8\x88";
    if (files) {
    int fd = open(odd, O_CREAT | O_WRONLY, 0644);
    report("create_odd_name", fd >= 0 ? 0 : -1);
    write(fd, "x", 1);
    close(fd);
    struct stat st;
    report("stat_odd_name", stat(odd, &st));
    DIR *d = opendir(".");
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') hex("readdir", e->d_name, strlen(e->d_name));
    closedir(d);
    report("rename_to_odd", rename(odd, moved));
    report("open_renamed", open(moved, O_RDONLY) >= 0 ? 0 : -1);
    report("symlink_odd_target", symlink(moved, "link"));
    char target[64];
    long n = readlink("link", target, sizeof target);
    hex("readlink", target, n > 0 ? n : 0);
    report("mkdir_odd", mkdir(sub, 0755));
    report("chdir_odd", chdir(sub));
    char cwd[256];
    if (getcwd(cwd, sizeof cwd)) hex("getcwd_tail", cwd + strlen(dir), strlen(cwd) - strlen(dir));
    chdir(dir);
    unlink("link");
    unlink(moved);
    rmdir(sub);
    } else {
    /* Exec this program through a symlink whose name is not UTF-8. */
    char self[512];
    long n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    symlink(self, "run\xff\x80");
    pid_t c = fork();
    if (c == 0) {
        char path[128];
        snprintf(path, sizeof path, "%s/run\xff\x80", dir);
        execl(path, path, "child", (char *)0);
        printf("execve errno=%d\n", errno);
        _exit(1);
    }
    int status = 0;
    waitpid(c, &status, 0);
    printf("child status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    unlink("run\xff\x80");
    }
    chdir("/");
    rmdir(dir);
    puts("done");
    return 0;
}
