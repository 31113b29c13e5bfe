/* Paths that run into unmapped memory, are too long, empty or NULL. */
#include "probe_common.h"

int main(void)
{
    char *page = page_then_hole();
    memset(page, 'a', 4096); /* no NUL before the hole */
    report("open_path_into_hole", syscall(SYS_openat, AT_FDCWD, page + 4096 - 10, O_RDONLY));
    report("open_null_path", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
    report("open_empty_path", syscall(SYS_openat, AT_FDCWD, "", O_RDONLY));

    char *longpath = malloc(5000);
    memset(longpath, 'b', 4999);
    longpath[4999] = 0;
    report("open_path_4999", syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY));
    longpath[4096] = 0;
    report("open_path_4096", syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY));
    longpath[4095] = 0;
    report("open_path_4095", syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY));
    report("stat_into_unmapped", syscall(SYS_newfstatat, AT_FDCWD, "/", page + 4096, 0));
    report("stat_straddling_hole", syscall(SYS_newfstatat, AT_FDCWD, "/", page + 4096 - 16, 0));
    report("mkdir_path_into_hole", syscall(SYS_mkdirat, AT_FDCWD, page + 4096 - 3, 0755));
    report("unlink_null", syscall(SYS_unlinkat, AT_FDCWD, NULL, 0));
    report("chdir_long", syscall(SYS_chdir, longpath - 0 + 0));
    report("readlink_into_readonly", syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe",
                                             mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 100));
    report("getcwd_into_hole", syscall(SYS_getcwd, page + 4096, 100));
    return 0;
}
