/* 200 000 lstat calls on a 5-deep absolute path: the syscall layer's path-lookup cost (BENCHMARKS.md, "path
 * lookups"). Build: musl-gcc -static -O2 -o lstat_loop bench/paths/lstat_loop.c; run under usermem-run --stats. */
#include <stdio.h>
#include <sys/stat.h>

int main(void)
{
    struct stat st;
    long total = 0;
    for (int i = 0; i < 200000; i++)
    {
        lstat("/usr/share/doc/busybox-static/copyright", &st);
        total += st.st_size;
    }

    printf("%d\n", total > 0);
    return 0;
}
