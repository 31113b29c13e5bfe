/* Extended attributes (issue 11; CPython's shutil copies them, tar and cp -a too): set, get, list and remove in
 * their path, l and f forms, with Linux's checks (flags EINVAL, name ERANGE, value E2BIG, bad pointers EFAULT,
 * XATTR_CREATE/REPLACE), a symbolic link followed or not, and /proc (procfs keeps none: EOPNOTSUPP, an empty list).
 * Under the runner every path goes through the guest's resolution, so /proc is the guest's and --root holds. */
#include "probe_common.h"
#include <sys/xattr.h>

static char dir[64], file[96], link_path[96];

static void get(const char *what, const char *path, const char *name)
{
    char value[64] = { 0 };
    long r = syscall(SYS_getxattr, path, name, value, sizeof value);
    int e = errno;
    printf("%s ret=%ld errno=%d value=%s\n", what, r, r < 0 ? e : 0, r > 0 ? value : "");
    errno = 0;
}

static void list(const char *what, long call, const void *target, size_t size)
{
    char names[128];
    memset(names, 0, sizeof names);
    long r = syscall(call, target, names, size);
    int e = errno;
    for (long i = 0; i < r && i < (long)sizeof names; i++) {
        if (names[i] == 0) names[i] = ',';
    }

    printf("%s ret=%ld errno=%d names=%.*s\n", what, r, r < 0 ? e : 0, r > 0 ? (int)r : 0, names);
    errno = 0;
}

int main(void)
{
    strcpy(dir, "/tmp/usermem-xattr-XXXXXX");
    if (!mkdtemp(dir)) return 2;
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(link_path, sizeof link_path, "%s/l", dir);
    close(open(file, O_CREAT | O_WRONLY, 0644));
    symlink("f", link_path);
    char *edge = page_then_hole() + 4096 - 3;
    memcpy(edge, "abc", 3); /* a value whose last byte is the page's: the byte after it faults */
    char long_name[300];
    memset(long_name, 'x', sizeof long_name);
    memcpy(long_name, "user.", 5);
    long_name[sizeof long_name - 1] = 0;

    report("set", syscall(SYS_setxattr, file, "user.a", "one", 3, 0));
    get("get", file, "user.a");
    report("get_size_query", syscall(SYS_getxattr, file, "user.a", NULL, 0));
    char small[2];
    report("get_small", syscall(SYS_getxattr, file, "user.a", small, sizeof small));
    report("set_create_existing", syscall(SYS_setxattr, file, "user.a", "two", 3, XATTR_CREATE));
    report("set_replace_missing", syscall(SYS_setxattr, file, "user.none", "two", 3, XATTR_REPLACE));
    report("set_replace", syscall(SYS_setxattr, file, "user.a", "two", 3, XATTR_REPLACE));
    get("get_replaced", file, "user.a");
    report("set_bad_flags", syscall(SYS_setxattr, file, "user.a", "x", 1, 4));
    report("set_empty_name", syscall(SYS_setxattr, file, "", "x", 1, 0));
    report("set_long_name", syscall(SYS_setxattr, file, long_name, "x", 1, 0));
    report("set_too_big", syscall(SYS_setxattr, file, "user.a", "x", 65537L, 0));
    report("set_bad_value", syscall(SYS_setxattr, file, "user.a", (void *)16, 1, 0));
    report("set_value_to_page_end", syscall(SYS_setxattr, file, "user.e", edge, 3, 0));
    report("set_value_past_page_end", syscall(SYS_setxattr, file, "user.e", edge, 4, 0));
    report("set_bad_name", syscall(SYS_setxattr, file, (void *)16, "x", 1, 0));
    report("set_bad_path", syscall(SYS_setxattr, (void *)16, "user.a", "x", 1, 0));
    report("set_missing_path", syscall(SYS_setxattr, "/nonexistent/x", "user.a", "x", 1, 0));
    report("set_unknown_namespace", syscall(SYS_setxattr, file, "foo.a", "x", 1, 0));
    report("set_bad_flags_bad_path", syscall(SYS_setxattr, (void *)16, "user.a", "x", 1, 8));
    report("set_empty_value", syscall(SYS_setxattr, file, "user.empty", "", 0, 0));
    get("get_empty_value", file, "user.empty");
    list("list", SYS_listxattr, file, 128);
    list("list_small", SYS_listxattr, file, 3);
    report("list_size_query", syscall(SYS_listxattr, file, NULL, 0));

    get("get_through_link", link_path, "user.a");
    char value[16];
    report("lget_on_link", syscall(SYS_lgetxattr, link_path, "user.a", value, sizeof value));
    report("lset_user_on_link", syscall(SYS_lsetxattr, link_path, "user.b", "x", 1, 0));
    list("llist_on_link", SYS_llistxattr, link_path, 128);

    int fd = open(file, O_RDONLY);
    report("fset", syscall(SYS_fsetxattr, fd, "user.c", "three", 5, 0));
    report("fget", syscall(SYS_fgetxattr, fd, "user.c", value, sizeof value));
    list("flist", SYS_flistxattr, (void *)(long)fd, 128);
    report("fremove", syscall(SYS_fremovexattr, fd, "user.c"));
    report("fremove_again", syscall(SYS_fremovexattr, fd, "user.c"));
    report("fget_bad_fd", syscall(SYS_fgetxattr, -1, "user.c", value, sizeof value));
    report("fset_bad_fd", syscall(SYS_fsetxattr, 9999, "user.c", "x", 1, 0));
    int opath = open(file, O_PATH);
    report("fget_o_path", syscall(SYS_fgetxattr, opath, "user.a", value, sizeof value));
    int p[2];
    pipe(p);
    report("fget_pipe", syscall(SYS_fgetxattr, p[0], "user.a", value, sizeof value));
    report("fset_pipe", syscall(SYS_fsetxattr, p[0], "user.a", "x", 1, 0));

    report("remove", syscall(SYS_removexattr, file, "user.a"));
    report("remove_again", syscall(SYS_removexattr, file, "user.a"));
    report("remove_empty_name", syscall(SYS_removexattr, file, ""));
    report("lremove_on_link", syscall(SYS_lremovexattr, link_path, "user.empty"));
    report("remove_through_link", syscall(SYS_removexattr, link_path, "user.empty"));
    list("list_after", SYS_listxattr, file, 128);

    get("proc_get", "/proc/self/status", "user.a");
    report("proc_set", syscall(SYS_setxattr, "/proc/self/status", "user.a", "x", 1, 0));
    report("proc_remove", syscall(SYS_removexattr, "/proc/self/status", "user.a"));
    list("proc_list", SYS_listxattr, "/proc/self/status", 128);
    char fdlink[64];
    snprintf(fdlink, sizeof fdlink, "/proc/self/fd/%d", fd);
    report("proc_fd_set", syscall(SYS_setxattr, fdlink, "user.d", "four", 4, 0));
    get("get_after_proc_fd_set", file, "user.d");
    report("proc_fd_lget", syscall(SYS_lgetxattr, fdlink, "user.d", value, sizeof value));
    report("proc_fd_lset", syscall(SYS_lsetxattr, fdlink, "user.d", "x", 1, 0));
    report("proc_exe_lget", syscall(SYS_lgetxattr, "/proc/self/exe", "user.a", value, sizeof value));
    report("proc_exe_lget_trusted", syscall(SYS_lgetxattr, "/proc/self/exe", "trusted.a", value, sizeof value));
    report("proc_self_lremove", syscall(SYS_lremovexattr, "/proc/self", "user.a"));
    list("proc_self_llist", SYS_llistxattr, "/proc/self", 128);
    report("proc_dir_get", syscall(SYS_getxattr, "/proc/self/fd", "user.a", value, sizeof value));

    unlink(link_path);
    unlink(file);
    rmdir(dir);
    puts("done");
    return 0;
}
