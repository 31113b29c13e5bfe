/* Fidelity (issue 11): paths longer than PATH_MAX are fine on Linux as long as no single call is given one. A
 * directory chain 45 levels deep (about 4 500 bytes) is built with mkdir + chdir of relative names, a file is created
 * and stat'ed at the bottom, getcwd there answers ENAMETOOLONG (its answer would not fit a page), the chain is walked
 * again from the top with directory descriptors (openat/fstatat/fchdir from a deep descriptor), and removed bottom-up
 * with unlinkat on directory descriptors, as Go's os.RemoveAll does. Linux is the oracle.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/stat.h>

#define LEVELS 45
#define NAME_LENGTH 100

static char name[NAME_LENGTH + 1];

int main(void)
{
    char top[64];
    strcpy(top, "/tmp/usermem-longpath-XXXXXX");
    if (!mkdtemp(top)) { perror("mkdtemp"); return 2; }
    memset(name, 'd', NAME_LENGTH);
    name[NAME_LENGTH] = 0;

    report("chdir_top", chdir(top));
    int built = 0;
    for (int i = 0; i < LEVELS; i++) {
        if (mkdir(name, 0755) != 0 || chdir(name) != 0) break;
        built++;
    }
    printf("levels_built=%d\n", built);
    int fd = open("leaf.txt", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    report("create_leaf", fd >= 0);
    report("write_leaf", write(fd, "deep\n", 5));
    close(fd);
    struct stat st;
    report("stat_leaf", stat("leaf.txt", &st));
    printf("leaf_size=%ld\n", (long)st.st_size);
    char cwd[8192];
    report("getcwd_deep", syscall(SYS_getcwd, cwd, sizeof cwd));
    report("stat_dot", stat(".", &st));
    fd = open("..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    report("open_dotdot", fd >= 0);
    report("fstatat_from_parent", fstatat(fd, name, &st, 0));
    report("fstatat_leaf_from_parent", fstatat(fd, "dddd/leaf.txt", &st, 0) == 0 ? 0 : -errno);
    close(fd);

    /* Walk down from the top with descriptors only. */
    report("chdir_root", chdir("/"));
    int dirs[LEVELS + 1];
    dirs[0] = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int walked = 0;
    for (int i = 0; i < built; i++) {
        dirs[i + 1] = openat(dirs[i], name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirs[i + 1] < 0) break;
        walked++;
    }
    printf("levels_walked=%d\n", walked);
    report("fstatat_leaf_by_fd", fstatat(dirs[walked], "leaf.txt", &st, 0));
    report("fchdir_deep", fchdir(dirs[walked]));
    fd = open("leaf.txt", O_RDONLY | O_CLOEXEC);
    report("open_leaf_relative", fd >= 0);
    char buf[16] = { 0 };
    report("read_leaf", read(fd, buf, sizeof buf - 1));
    printf("leaf=%s", buf);
    close(fd);
    report("chdir_back", chdir("/"));

    /* Remove bottom-up through the descriptors. */
    report("unlink_leaf", unlinkat(dirs[walked], "leaf.txt", 0));
    int removed = 0;
    for (int i = walked; i > 0; i--) {
        close(dirs[i]);
        if (unlinkat(dirs[i - 1], name, AT_REMOVEDIR) != 0) break;
        removed++;
    }
    printf("levels_removed=%d\n", removed);
    close(dirs[0]);
    report("rmdir_top", rmdir(top));
    return 0;
}
