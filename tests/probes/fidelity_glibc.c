/* Fidelity (issue 11): an ordinary dynamically linked glibc program (built with plain gcc), using what glibc's
 * startup and common calls need: stdio, malloc, locale-free formatting, qsort, environment, files, time, a child.
 * Build: gcc -O1 (dynamic, PT_INTERP). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    char *words[] = { "pear", "apple", "fig", "banana" };
    qsort(words, 4, sizeof words[0], compare);
    printf("sorted %s %s %s %s\n", words[0], words[1], words[2], words[3]);
    char *heap = malloc(1 << 20);
    memset(heap, 'x', 1 << 20);
    printf("malloc ok=%d\n", heap[12345] == 'x');
    free(heap);
    printf("strtod %.3f argc=%d\n", strtod("2.71828", 0), argc);
    FILE *f = tmpfile();
    fprintf(f, "line one\nline two\n");
    rewind(f);
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    printf("tmpfile lines=%d\n", lines);
    struct timespec t;
    printf("clock ok=%d\n", clock_gettime(CLOCK_MONOTONIC, &t) == 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { printf("child says hi\n"); fflush(stdout); _exit(4); }
    int status;
    waitpid(c, &status, 0);
    printf("child exit=%d\n", WEXITSTATUS(status));
    return 0;
}
