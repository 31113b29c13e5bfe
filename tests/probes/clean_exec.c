/* The launcher of the hostile and fidelity suites (tests/UserMemory.Linux.Tests/Support/RawProcess.cs): starts
 * PROGRAM ARGS... with only descriptors 0, 1 and 2 open (whatever the test host leaked is closed), every signal at its
 * default action and an empty signal mask, so a native run and a run under the runner start from the same state.
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: clean_exec PROGRAM ARGS...\n"); return 2; }
    if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
        for (int fd = 3; fd < 65536; fd++) close(fd);
    for (int sig = 1; sig < 65; sig++) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    execv(argv[1], argv + 1);
    fprintf(stderr, "clean_exec: %s: errno %d\n", argv[1], errno);
    return 127;
}
