/* One file mapped MAP_SHARED many times (Go's runtime TestMemmoveOverflow maps a 64 KiB file 49 152 times): every
 * alias shows the same pages, the process still gets descriptors afterwards (the mappings must not each hold one),
 * a read-only descriptor of the same file still gives a mapping that cannot become writable (EACCES), and a file
 * whose mappings are all gone is not confused with a new file that reuses its inode. Build: musl-gcc -static. */
#include "probe_common.h"

#define CHUNK 65536L
#define ALIASES 40000L

static int temp_file(char *name, long size)
{
    strcpy(name, "/tmp/usermem-aliases-XXXXXX");
    int fd = mkstemp(name);
    if (fd < 0 || ftruncate(fd, size) != 0) { perror("temp"); exit(2); }
    return fd;
}

int main(void)
{
    char name[64];
    int fd = temp_file(name, CHUNK);
    char *base = mmap(NULL, ALIASES * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) { perror("reserve"); return 2; }
    munmap(base, ALIASES * CHUNK);
    long mapped = 0;
    while (mapped < ALIASES
           && mmap(base + mapped * CHUNK, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED)
        mapped++;
    printf("mapped=%ld errno=%d\n", mapped, mapped == ALIASES ? 0 : errno);
    base[5] = 'A';
    base[(mapped - 1) * CHUNK + 6] = 'B';
    char back[2] = { 0 };
    pread(fd, back, 2, 5);
    printf("first_sees_last=%c last_sees_first=%c file=%c%c\n", base[6], base[(mapped - 1) * CHUNK + 5], back[0], back[1]);
    int p[2];
    report("pipe_after_aliases", pipe(p));
    report("open_after_aliases", open("/dev/null", O_RDONLY));

    int ro = open(name, O_RDONLY);
    char *r = mmap(NULL, CHUNK, PROT_READ, MAP_SHARED, ro, 0);
    printf("read_only_sees=%c\n", r == MAP_FAILED ? '?' : r[5]);
    report("mprotect_read_only_alias_writable", mprotect(r, CHUNK, PROT_READ | PROT_WRITE));
    report("map_read_only_writable", (long)mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
    report("mprotect_writable_alias", mprotect(base, CHUNK, PROT_READ | PROT_WRITE));
    munmap(r, CHUNK);

    report("munmap_all", munmap(base, mapped * CHUNK));
    close(fd);
    close(ro);
    unlink(name);
    /* New files, likely reusing the old inode number: each mapping shows its own file. */
    for (int round = 0; round < 3; round++) {
        int f = temp_file(name, CHUNK);
        char mark = (char)('a' + round);
        pwrite(f, &mark, 1, 0);
        char *m = mmap(NULL, CHUNK, PROT_READ, MAP_SHARED, f, 0);
        printf("round=%d sees=%c\n", round, m == MAP_FAILED ? '?' : m[0]);
        munmap(m, CHUNK);
        close(f);
        unlink(name);
    }
    printf("done\n");
    return 0;
}
