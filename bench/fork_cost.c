/* Fork cost against written memory (issue 14): writes MIB MiB of private memory, then times ROUNDS forks whose child
 * exits at once (fork + _exit + waitpid), and prints the mean per fork in milliseconds.
 * Usage: fork_cost MIB [ROUNDS]. Build: musl-gcc -static -O2. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    size_t size = mib << 20;
    if (size > 0) {
        unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { perror("mmap"); return 2; }
        for (size_t i = 0; i < size; i += 4096) p[i] = (unsigned char)(i >> 12);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < rounds; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        int status;
        waitpid(pid, &status, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6) / rounds;
    printf("fork_cost mib=%zu rounds=%d ms_per_fork=%.2f\n", mib, rounds, ms);
    return 0;
}
