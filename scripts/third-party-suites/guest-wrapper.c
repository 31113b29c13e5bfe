/*
 * Runs the program named by argv[0] under usermem-run, the way a test suite expects to find it in PATH.
 *
 * Outside the sandbox (on the host) it execs RUNNER --cpu CPU <argv[0]> <args>, so the runner starts this same
 * wrapper as the guest with the argv the caller gave. Inside the sandbox (the guest) it execs REAL_DIR/<basename of
 * the path it was executed by (AT_EXECFN, so `exec -a NAME` works)> with argv unchanged, so the real program sees exactly the argv[0] it would see natively and every further
 * exec stays inside the runner. The guest is recognised by kill(1, 0) failing with ESRCH: the runner's pid namespace
 * hides host processes such as init, which always exists on the host.
 *
 * Built by scripts/third-party-suites.sh with -DRUNNER="..." -DCPU="..." -DREAL_DIR="...".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 1 || argv[0] == NULL)
        return 127;
    const char *slash = strrchr(argv[0], '/');
    const char *name = slash != NULL ? slash + 1 : argv[0];
    if (kill(1, 0) == -1 && errno == ESRCH) {
        const char *executed = (const char *)getauxval(AT_EXECFN);
        if (executed != NULL) {
            slash = strrchr(executed, '/');
            name = slash != NULL ? slash + 1 : executed;
        }
        char real[4096];
        if (snprintf(real, sizeof real, "%s/%s", REAL_DIR, name) >= (int)sizeof real)
            return 127;
        if (access(real, F_OK) != 0 && snprintf(real, sizeof real, "%s/.default", REAL_DIR) >= (int)sizeof real)
            return 127; /* a name with no target of its own (busybox's tests link busybox as "unknown") */
        execv(real, argv);
        fprintf(stderr, "guest-wrapper: exec %s: %s\n", real, strerror(errno));
        return 127;
    }
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (args == NULL)
        return 127;
    args[0] = RUNNER;
    args[1] = "--cpu";
    args[2] = CPU;
    for (int i = 0; i < argc; i++)
        args[3 + i] = argv[i];
    execv(RUNNER, args);
    fprintf(stderr, "guest-wrapper: exec %s: %s\n", RUNNER, strerror(errno));
    return 127;
}
