/*
 * Puts one program (TARGET: /bin/busybox, /usr/bin/mksh) under usermem-run for a test suite that finds it in PATH.
 *
 * Outside the sandbox (started by the host) it execs RUNNER --cpu CPU <argv[0]> <args>, so the runner starts this same
 * wrapper as the guest with the argv the caller gave. Inside the sandbox (the guest) it execs TARGET with argv
 * unchanged, so the program sees exactly the argv[0] it would see natively (busybox picks its applet by it; `exec -a`
 * and links under other names work) and every further exec stays inside the runner. The guest is recognised by
 * kill(1, 0) failing with ESRCH: the runner's pid namespace hides host processes such as init, which always exists
 * on the host.
 *
 * Built by scripts/third-party-suites.sh with -DRUNNER="..." -DCPU="..." -DTARGET="...".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 1 || argv[0] == NULL)
        return 127;
    if (kill(1, 0) == -1 && errno == ESRCH) {
        execv(TARGET, argv);
        fprintf(stderr, "guest-wrapper: exec %s: %s\n", TARGET, strerror(errno));
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
