/* Hostile guest, family "resource exhaustion" (issue 10): a program with a 900 MiB .bss that it never touches costs
 * nothing on Linux beyond a few pages. Under the runner its start must not populate the .bss either.
 *
 *   hostile_bss start                touch one page of the .bss, print "started", exit 0
 *   hostile_bss measure PROG ARGS..  (run natively) fork and exec PROG, wait4 for it and print its exit status and
 *                                    peak resident size from the rusage, in MiB
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/resource.h>
#include <sys/wait.h>

#define BSS_SIZE (900UL << 20)
static char bss[BSS_SIZE];

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "start") == 0) {
        bss[BSS_SIZE / 2] = 1;
        printf("started bss_mib=%lu touched=%d\n", BSS_SIZE >> 20, bss[BSS_SIZE / 2]);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "measure") == 0) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            execv(argv[2], argv + 2);
            _exit(127);
        }
        int status = 0;
        struct rusage usage;
        if (wait4(child, &status, 0, &usage) != child) { perror("wait4"); return 2; }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        printf("measured exit=%d maxrss_mib=%ld\n", code, usage.ru_maxrss / 1024);
        return 0;
    }
    fprintf(stderr, "usage: hostile_bss start | measure PROG ARGS...\n");
    return 2;
}
