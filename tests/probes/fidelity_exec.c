/* Fidelity (issue 11): a static guest that execs PROGRAM ARGS... (a dynamic host tool, a #! script), so the runner's
 * guest execve path is what is judged; prints the errno if execve fails. Build: musl-gcc -static -O1. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: fidelity_exec PROGRAM ARGS...\n"); return 2; }
    execv(argv[1], argv + 1);
    printf("execve errno=%d\n", errno);
    return 1;
}
