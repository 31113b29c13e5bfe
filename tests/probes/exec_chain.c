/* Hostile guest (issue 12): a process that execs itself COUNT times (exec_chain COUNT; the chain's stage comes from
 * EXEC_CHAIN_LEFT in the environment, never from argv). The runner replaces a single-threaded process inside the
 * same runner process, so each exec must leave nothing of the old process behind: the test compares the runner's
 * peak resident size after a short and a long chain. Build: musl-gcc -static -O1. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) { printf("readlink failed\n"); return 1; }
    self[n] = 0;
    const char *left = getenv("EXEC_CHAIN_LEFT");
    if (!left) {
        if (argc < 2) { fprintf(stderr, "usage: exec_chain COUNT\n"); return 2; }
        left = argv[1];
    }
    int count = atoi(left);
    if (count <= 0) {
        printf("chain done\n");
        return 0;
    }
    char text[16];
    snprintf(text, sizeof text, "%d", count - 1);
    setenv("EXEC_CHAIN_LEFT", text, 1);
    char *next[] = {"exec_chain", NULL};
    execv(self, next);
    printf("execve failed\n");
    return 1;
}
