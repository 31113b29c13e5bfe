/* Hostile guest, family "corrupt executables": the guest writes damaged copies of its own ELF file (truncated
 * headers, huge or wrapping counts, offsets and sizes, kernel and non-canonical addresses, overlapping and misaligned
 * segments, PT_INTERP naming itself, a directory, a missing, unterminated, huge, non-ELF or /proc file) and files that
 * are not ELF at all (empty, magic only, #! loops, directories, devices), plus argv/envp past ARG_MAX and bad
 * pointers, and execve()s each in a forked child; the parent prints execve's errno or how the child ended, then
 * "elf done". Linux kills a child past the point of no return where the runner mostly refuses the execve before it
 * (ENOEXEC), so the test checks that every attack is reported and the runner survives, not the exact answers.
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[1 << 22];
static long self_len;
static char dir[64];
static char work[1 << 22];

static void try_exec(const char *name, const char *path, char **argv, char **envp)
{
    int pipefd[2];
    pipe2(pipefd, O_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
        execve(path, argv, envp);
        int e = errno;
        write(pipefd[1], &e, sizeof e);
        _exit(127);
    }
    close(pipefd[1]);
    int e = 0;
    long n = read(pipefd[0], &e, sizeof e);
    close(pipefd[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n == sizeof e) printf("%s: execve %s\n", name, strerror(e));
    else if (WIFSIGNALED(st)) printf("%s: signal %d\n", name, WTERMSIG(st));
    else printf("%s: exit %d\n", name, WEXITSTATUS(st));
}

static void write_file(const char *name, const void *data, long len, char *out)
{
    snprintf(out, 256, "%s/%s", dir, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (len) write(fd, data, len);
    close(fd);
}

static void variant(const char *name, long len, void (*damage)(Elf64_Ehdr *, Elf64_Phdr *))
{
    memcpy(work, self, self_len);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)work;
    damage(eh, (Elf64_Phdr *)(work + eh->e_phoff));
    char path[512];
    write_file(name, work, len ? len : self_len, path);
    char *argv[] = { path, "child", 0 };
    char *envp[] = { 0 };
    try_exec(name, path, argv, envp);
}

static Elf64_Phdr *find(Elf64_Ehdr *eh, Elf64_Phdr *ph, unsigned type, int nth)
{
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == type && nth-- == 0) return &ph[i];
    return 0;
}

static void nothing(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)eh; (void)ph; }
static void phnum_huge(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_phnum = 0xffff; }
static void phnum_zero(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_phnum = 0; }
static void phoff_huge(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_phoff = 0x7fffffffffffff00UL; }
static void phoff_wrap(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_phoff = (Elf64_Off)-8; }
static void phentsize_bad(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_phentsize = 1; }
static void entry_kernel(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_entry = 0xffffffff81000000UL; }
static void entry_noncanonical(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_entry = 0x8000000000000000UL; }
static void class32(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_ident[EI_CLASS] = ELFCLASS32; }
static void machine_arm(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_machine = EM_AARCH64; }
static void type_rel(Elf64_Ehdr *eh, Elf64_Phdr *ph) { (void)ph; eh->e_type = ET_REL; }
static void filesz_huge(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_filesz = 0x7fffffffffff0000UL; }
static void filesz_gt_memsz(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_memsz = p->p_filesz / 2; }
static void memsz_huge(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_memsz = 0xfffffffffff00000UL; }
static void memsz_top(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 3); if (!p) p = find(eh, ph, PT_LOAD, 2); p->p_memsz = 0x7ff000000000UL; }
static void offset_past_end(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_offset = (p->p_offset & 0xfff) + 0x40000000; }
static void vaddr_kernel(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_vaddr = 0xffffffff81000000UL + (p->p_vaddr & 0xfff); }
static void vaddr_wrap(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_vaddr = 0xfffffffffffff000UL + (p->p_vaddr & 0xfff); p->p_memsz = 0x10000; }
static void vaddr_zero(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 0); p->p_vaddr = p->p_offset & 0xfff; }
static void misaligned(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_LOAD, 1); p->p_vaddr += 1; }
static void overlap(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *a = find(eh, ph, PT_LOAD, 0), *b = find(eh, ph, PT_LOAD, 1); b->p_vaddr = a->p_vaddr + (b->p_offset & 0xfff); }
static void align_zero(Elf64_Ehdr *eh, Elf64_Phdr *ph) { for (int i = 0; i < eh->e_phnum; i++) if (ph[i].p_type == PT_LOAD) ph[i].p_align = 3; }
static void no_load(Elf64_Ehdr *eh, Elf64_Phdr *ph) { for (int i = 0; i < eh->e_phnum; i++) if (ph[i].p_type == PT_LOAD) ph[i].p_type = PT_NULL; }
static void stack_exec(Elf64_Ehdr *eh, Elf64_Phdr *ph) { Elf64_Phdr *p = find(eh, ph, PT_GNU_STACK, 0); if (p) p->p_flags |= PF_X; }
static char interp_target[256];
static void interp_self(Elf64_Ehdr *eh, Elf64_Phdr *ph)
{
    /* Turn the PT_GNU_STACK (or a PT_NOTE) header into PT_INTERP naming interp_target, stored at the end of the file. */
    Elf64_Phdr *p = find(eh, ph, PT_GNU_STACK, 0);
    if (!p) p = find(eh, ph, PT_NOTE, 0);
    if (!p) p = find(eh, ph, PT_TLS, 0);
    p->p_type = PT_INTERP;
    p->p_offset = self_len;
    p->p_filesz = strlen(interp_target) + 1;
    strcpy(work + self_len, interp_target);
}
static void interp_unterminated(Elf64_Ehdr *eh, Elf64_Phdr *ph) { interp_self(eh, ph); find(eh, ph, PT_INTERP, 0)->p_filesz -= 1; }
static void interp_huge(Elf64_Ehdr *eh, Elf64_Phdr *ph) { interp_self(eh, ph); find(eh, ph, PT_INTERP, 0)->p_filesz = 0x7fffffff; }
static void interp_past_end(Elf64_Ehdr *eh, Elf64_Phdr *ph) { interp_self(eh, ph); find(eh, ph, PT_INTERP, 0)->p_offset = 0x7fffffff0000UL; }
static void two_interps(Elf64_Ehdr *eh, Elf64_Phdr *ph) { interp_self(eh, ph); Elf64_Phdr *q = find(eh, ph, PT_NOTE, 0); if (q && q != find(eh, ph, PT_INTERP, 0)) *q = *find(eh, ph, PT_INTERP, 0); }

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) { printf("child ran\n"); return 0; }
    setvbuf(stdout, 0, _IONBF, 0);
    int fd = open("/proc/self/exe", O_RDONLY);
    self_len = read(fd, self, sizeof self);
    close(fd);
    strcpy(dir, "/tmp/hostile_elf_XXXXXX");
    mkdtemp(dir);
    char path[512];

    variant("intact", 0, nothing);
    variant("truncated_ident", 8, nothing);
    variant("truncated_header", 40, nothing);
    variant("truncated_phdrs", 64 + 56, nothing);
    variant("truncated_segments", 8192, nothing);
    variant("phnum_huge", 0, phnum_huge);
    variant("phnum_zero", 0, phnum_zero);
    variant("phoff_huge", 0, phoff_huge);
    variant("phoff_wrap", 0, phoff_wrap);
    variant("phentsize_bad", 0, phentsize_bad);
    variant("entry_kernel", 0, entry_kernel);
    variant("entry_noncanonical", 0, entry_noncanonical);
    variant("class32", 0, class32);
    variant("machine_arm", 0, machine_arm);
    variant("type_rel", 0, type_rel);
    variant("filesz_huge", 0, filesz_huge);
    variant("filesz_gt_memsz", 0, filesz_gt_memsz);
    variant("memsz_huge", 0, memsz_huge);
    variant("memsz_top", 0, memsz_top);
    variant("offset_past_end", 0, offset_past_end);
    variant("vaddr_kernel", 0, vaddr_kernel);
    variant("vaddr_wrap", 0, vaddr_wrap);
    variant("vaddr_zero", 0, vaddr_zero);
    variant("misaligned", 0, misaligned);
    variant("overlap", 0, overlap);
    variant("align_odd", 0, align_zero);
    variant("no_load", 0, no_load);
    variant("stack_exec", 0, stack_exec);

    snprintf(interp_target, sizeof interp_target, "%s/interp_self", dir);
    variant("interp_self", self_len + 256, interp_self);
    snprintf(interp_target, sizeof interp_target, "%s", dir);
    variant("interp_dir", self_len + 256, interp_self);
    snprintf(interp_target, sizeof interp_target, "/nonexistent/ld.so");
    variant("interp_missing", self_len + 256, interp_self);
    snprintf(interp_target, sizeof interp_target, "%s/interp_self", dir);
    variant("interp_unterminated", self_len + 256, interp_unterminated);
    variant("interp_huge", self_len + 256, interp_huge);
    variant("interp_past_end", self_len + 256, interp_past_end);
    variant("two_interps", self_len + 256, two_interps);
    snprintf(interp_target, sizeof interp_target, "%s/not_elf", dir);
    write_file("not_elf", "hello world, not an elf\n", 24, path);
    variant("interp_not_elf", self_len + 256, interp_self);
    snprintf(interp_target, sizeof interp_target, "/dev/zero");
    variant("interp_dev_zero", self_len + 256, interp_self);
    snprintf(interp_target, sizeof interp_target, "/proc/self/exe");
    variant("interp_proc_exe", self_len + 256, interp_self);

    char *args[] = { path, 0 };
    char *env[] = { 0 };
    write_file("empty", "", 0, path); try_exec("empty", path, args, env);
    write_file("not_elf2", "\177ELFjunk", 8, path); try_exec("magic_only", path, args, env);
    write_file("shebang_loop", "#!/tmp/does/not/exist\n", 22, path); try_exec("shebang_missing", path, args, env);
    char sb[300];
    snprintf(sb, sizeof sb, "#!%s/shebang_self\n", dir);
    write_file("shebang_self", sb, strlen(sb), path); try_exec("shebang_self", path, args, env);
    snprintf(sb, sizeof sb, "#!%s\n", dir);
    write_file("shebang_dir", sb, strlen(sb), path); try_exec("shebang_dir", path, args, env);
    memset(sb, 'a', sizeof sb); memcpy(sb, "#!/", 3);
    write_file("shebang_long", sb, sizeof sb, path); try_exec("shebang_long", path, args, env);
    try_exec("directory", dir, args, env);
    try_exec("dev_null", "/dev/null", args, env);
    try_exec("proc_self_fd0", "/proc/self/fd/0", args, env);

    /* argv/envp beyond ARG_MAX and single strings beyond MAX_ARG_STRLEN. */
    snprintf(path, sizeof path, "%s/intact", dir);
    static char big[300000];
    memset(big, 'x', sizeof big - 1);
    char *bigargv[] = { path, "child", big, 0 };
    try_exec("arg_too_long", path, bigargv, env);
    static char *many[600000];
    many[0] = path; many[1] = "child";
    for (int i = 2; i < 599999; i++) many[i] = "y";
    try_exec("argv_too_many", path, many, env);
    try_exec("envp_too_many", path, (char *[]){ path, "child", 0 }, many);
    try_exec("argv_bad_pointer", path, (char **)1, env);
    char *badarg[] = { path, (char *)1, 0 };
    try_exec("argv_bad_string", path, badarg, env);
    try_exec("path_null", 0, args, env);

    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(dir);
    printf("elf done\n");
    return 0;
}
