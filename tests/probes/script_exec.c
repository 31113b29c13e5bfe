/* execve of #! scripts, parsed as Linux's binfmt_script: the optional argument, trailing blanks, a NUL in the line, a
 * line without a newline (a name that may be truncated is ENOEXEC), scripts whose interpreter is a script (5 levels,
 * then ELOOP), a script naming itself, and no interpreter at all. The last interpreter is this probe ("show" prints
 * its argv with the probe's and the directory's paths replaced by P and D; it knows it is the interpreter by
 * SCRIPT_DIR in its environment, so it never starts the cases again), and a FIFO as program or interpreter (EACCES at
 * once, never a wait for a writer). Linux is the oracle.
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char self[PATH_MAX], dir[PATH_MAX];

static void show_path(const char *s)
{
    size_t ls = strlen(self), ld = strlen(dir);
    if (strncmp(s, self, ls) == 0 && s[ls] == 0) { printf(" P"); return; }
    if (strncmp(s, dir, ld) == 0 && s[ld] == '/') { printf(" D%s", s + ld); return; }
    printf(" [%s]", s);
}

static void make_script(const char *name, const char *text, size_t length)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, text, length) != (ssize_t)length) { perror("write script"); exit(2); }
    close(fd);
}

static void run(const char *label, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    printf("%s:\n", label);
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = { "script-arg0", "a1", NULL };
        char env[PATH_MAX + 16];
        snprintf(env, sizeof env, "SCRIPT_DIR=%s", dir);
        char *envp[] = { env, NULL };
        execve(path, argv, envp);
        printf("%s: execve errno=%d\n", label, errno);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) printf("%s: status=%d\n", label, status);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *d = getenv("SCRIPT_DIR");
    if (d) {
        /* Started as an interpreter (only the probe's own children have SCRIPT_DIR, so this never recurses): the
         * arguments tell what the kernel spliced in. */
        if (!realpath("/proc/self/exe", self)) return 3;
        strcpy(dir, d);
        printf("  argc=%d:", argc);
        for (int i = 1; i < argc; i++) show_path(argv[i]);
        printf("\n");
        return 0;
    }
    if (!realpath("/proc/self/exe", self)) { perror("realpath"); return 2; }
    strcpy(dir, "/tmp/usermem-scripts-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
    char text[1024];
    int n;

    n = snprintf(text, sizeof text, "#!%s show\necho not reached\n", self); make_script("plain", text, n);
    n = snprintf(text, sizeof text, "#!  %s   show  two words \t \n", self); make_script("blanks", text, n);
    n = snprintf(text, sizeof text, "#!%s%c show\n", self, 0); make_script("nul", text, n);
    n = snprintf(text, sizeof text, "#!%s/plain x\n", dir); make_script("nested", text, n);
    n = snprintf(text, sizeof text, "#!%s show\n", self); make_script("c1", text, n);
    for (int k = 2; k <= 6; k++) {
        char name[8];
        n = snprintf(text, sizeof text, "#!%s/c%d\n", dir, k - 1);
        snprintf(name, sizeof name, "c%d", k);
        make_script(name, text, n);
    }
    n = snprintf(text, sizeof text, "#!%s/self\n", dir); make_script("self", text, n);
    n = snprintf(text, sizeof text, "#!/"); memset(text + n, 'a', 300); make_script("long_name", text, n + 300);
    n = snprintf(text, sizeof text, "#!%s show ", self); memset(text + n, 'x', 300); make_script("long_arg", text, n + 300);
    make_script("empty_line", "#!\n", 3);
    make_script("blank_line", "#!  \t \n", 7);
    make_script("just_magic", "#!", 2);
    n = snprintf(text, sizeof text, "#!%s/missing\n", dir); make_script("missing", text, n);
    /* A FIFO is no executable: Linux refuses it (EACCES) without waiting for a writer, as program or interpreter. */
    char fifo[PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    if (mkfifo(fifo, 0755) != 0 || chmod(fifo, 0755) != 0) { perror("mkfifo"); return 2; }
    n = snprintf(text, sizeof text, "#!%s/fifo\n", dir); make_script("fifo_interp", text, n);

    const char *cases[] = { "plain", "blanks", "nul", "nested", "c5", "c6", "self", "long_name", "long_arg",
                            "empty_line", "blank_line", "just_magic", "missing", "fifo", "fifo_interp" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run(cases[i], cases[i]);
    const char *made[] = { "plain", "blanks", "nul", "nested", "c1", "c2", "c3", "c4", "c5", "c6", "self", "long_name",
                           "long_arg", "empty_line", "blank_line", "just_magic", "missing", "fifo", "fifo_interp" };
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, made[i]);
        unlink(path);
    }
    rmdir(dir);
    puts("done");
    return 0;
}
