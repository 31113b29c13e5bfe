/* Hostile guest, family "resource exhaustion" (issue 10): memory the emulated CPU touches, and the number of mappings.
 *
 *   hostile_mappings touch MIB   map MIB MiB and store into every page with ordinary CPU stores (no system call
 *                                touches it); prints "start" before and "touched" after. Under a memory limit below
 *                                MIB the runner must stop the guest before "touched", as a cgroup would
 *   hostile_mappings many        65 000 mappings as Linux's default vm.max_map_count (65 530) allows: single pages
 *                                with alternating protections, then one mapping with every other page unmapped, then
 *                                everything is used and unmapped again. Linux is the oracle
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"

#define PAGE 4096UL
#define SINGLES 32000
#define HOLEY_PAGES (2 * 32000)

static void touch(long mib)
{
    size_t size = (size_t)mib << 20;
    volatile char *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { printf("mmap errno=%d\n", errno); return; }
    puts("start");
    fflush(stdout);
    for (size_t i = 0; i < size; i += PAGE) p[i] = (char)(i >> 12 | 1);
    long sum = 0;
    for (size_t i = 0; i < size; i += PAGE) sum += p[i] != 0;
    printf("touched pages=%ld\n", sum);
}

static char *singles[SINGLES];

static void many(void)
{
    int mapped = 0;
    for (int i = 0; i < SINGLES; i++) {
        void *p = mmap(0, PAGE, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { printf("single mmap %d errno=%d\n", i, errno); break; }
        singles[mapped++] = p;
    }
    printf("singles mapped=%d\n", mapped);
    char *holey = mmap(0, HOLEY_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (holey == MAP_FAILED) { printf("holey mmap errno=%d\n", errno); return; }
    int unmapped = 0;
    for (int i = 1; i < HOLEY_PAGES; i += 2) {
        if (munmap(holey + i * PAGE, PAGE) != 0) { printf("munmap %d errno=%d\n", i, errno); break; }
        unmapped++;
    }
    printf("holey every_other_unmapped=%d\n", unmapped);
    /* Use them: every remaining holey page and every writable single takes a store and reads it back. */
    long good = 0;
    for (int i = 0; i < HOLEY_PAGES; i += 2) { holey[i * PAGE] = (char)i; good += holey[i * PAGE] == (char)i; }
    for (int i = 0; i < mapped; i += 2) { singles[i][0] = 7; good += singles[i][0] == 7; }
    printf("stores_read_back=%ld\n", good);
    /* A few more past the limit: Linux answers ENOMEM once vm.max_map_count is reached. */
    int extra = 0;
    for (int i = 0; i < 2000; i++) {
        void *p = mmap(0, PAGE, (i & 1) ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) break;
        extra++;
    }
    printf("extra_until_limit>=%d\n", extra > 500 ? 500 : extra);
    for (int i = 0; i < HOLEY_PAGES; i += 2) munmap(holey + i * PAGE, PAGE);
    for (int i = 0; i < mapped; i++) munmap(singles[i], PAGE);
    char *again = mmap(0, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("after_unmapping_all mmap_ok=%d\n", again != MAP_FAILED);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 2 && strcmp(argv[1], "touch") == 0) touch(atol(argv[2]));
    else if (argc > 1 && strcmp(argv[1], "many") == 0) many();
    else { fprintf(stderr, "usage: hostile_mappings touch MIB | many\n"); return 2; }
    puts("done");
    return 0;
}
