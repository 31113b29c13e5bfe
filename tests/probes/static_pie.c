/* Built with gcc -static-pie (glibc): a position-independent static executable, loaded at a base the loader picks. */
#include <stdio.h>
#include <stdlib.h>

static int counter = 41;

int main(int argc, char **argv)
{
    counter++;
    char *heap = malloc(100000);
    heap[99999] = 'z';
    printf("pie main=%s counter=%d argc=%d argv1=%s heap_last=%c\n", (void *)main != NULL ? "set" : "null", counter, argc,
           argc > 1 ? argv[1] : "-", heap[99999]);
    return 5;
}
