/* The CPU backend on real page tables: faults and protections the guest sees without any signal handler (each
 * faulting mode ends the process by SIGSEGV, exit 139 in a shell), so Linux is the oracle without signal delivery.
 *
 *   hlt cli in rdmsr  a privileged instruction at CPL 3: SIGSEGV
 *   nx                code that ran, then mprotect(PROT_READ|PROT_WRITE): calling it again is SIGSEGV
 *   ro_store          a store into a page made read-only after it was written: SIGSEGV
 *   unmapped_touch    a load from a page unmapped after it was used: SIGSEGV
 *   remap_code        code page unmapped and mapped again at the same address with other code: the new code runs
 *   sparse            one store every 64 MiB over an 8 GiB lazy mapping, then every other page of 4 MiB unmapped and
 *                     the rest reused: prints sums, never faults
 *   fork_lazy         a parent touches pages, forks; the child reads them back and writes new ones
 *   reuse             the same instruction faults in the same fresh page of a mapping that is unmapped and mapped
 *                     again at the same address, several times (each fault is a new one, never "repeated")
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <sys/wait.h>

#define PAGE 4096UL

static void put_return(unsigned char *p, int value)
{
    p[0] = 0xb8; /* mov eax, imm32; ret */
    memcpy(p + 1, &value, 4);
    p[5] = 0xc3;
}

__attribute__((noinline)) static void store_at(volatile char *p, int value) { p[64] = (char)value; }

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "hlt") == 0) {
        puts("before");
        __asm__ volatile("hlt");
    } else if (strcmp(mode, "cli") == 0) {
        puts("before");
        __asm__ volatile("cli");
    } else if (strcmp(mode, "in") == 0) {
        puts("before");
        __asm__ volatile("mov $0x80, %%dx\ninb %%dx, %%al" ::: "eax", "edx");
    } else if (strcmp(mode, "rdmsr") == 0) {
        puts("before");
        __asm__ volatile("xor %%ecx, %%ecx\nrdmsr" ::: "eax", "ecx", "edx");
    } else if (strcmp(mode, "nx") == 0) {
        unsigned char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        put_return(p, 7);
        int (*volatile f)(void) = (int (*)(void))p;
        printf("first_call=%d\n", f());
        printf("mprotect=%d\n", mprotect(p, PAGE, PROT_READ | PROT_WRITE));
        printf("second_call=%d\n", f());
    } else if (strcmp(mode, "ro_store") == 0) {
        volatile char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[1] = 5;
        printf("mprotect=%d read=%d\n", mprotect((void *)p, PAGE, PROT_READ), p[1]);
        p[1] = 6;
        puts("stored");
    } else if (strcmp(mode, "unmapped_touch") == 0) {
        volatile char *p = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[PAGE] = 3;
        printf("munmap=%d kept=%d\n", munmap((void *)(p + PAGE), PAGE), p[0]);
        printf("read=%d\n", p[PAGE]);
    } else if (strcmp(mode, "remap_code") == 0) {
        unsigned char *p = mmap(0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        put_return(p, 1);
        int (*volatile f)(void) = (int (*)(void))p;
        printf("first=%d\n", f());
        munmap(p, PAGE);
        unsigned char *q = mmap(p, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        put_return(q, 2);
        printf("same_address=%d second=%d\n", q == p, f());
    } else if (strcmp(mode, "sparse") == 0) {
        size_t size = 8UL << 30, step = 64UL << 20;
        volatile char *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) { puts("mmap failed"); return 1; }
        long sum = 0;
        for (size_t i = 0; i < size; i += step) p[i] = (char)(i / step + 1);
        for (size_t i = 0; i < size; i += step) sum += p[i];
        printf("sparse_sum=%ld\n", sum);
        size_t holey = 4UL << 20;
        for (size_t i = 0; i < holey; i += PAGE) p[i] = 1;
        for (size_t i = PAGE; i < holey; i += 2 * PAGE) munmap((void *)(p + i), PAGE);
        sum = 0;
        for (size_t i = 0; i < holey; i += 2 * PAGE) sum += p[i];
        printf("holey_sum=%ld\n", sum);
    } else if (strcmp(mode, "fork_lazy") == 0) {
        volatile char *p = mmap(0, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < 64; i += 2) p[i * PAGE] = (char)i;
        pid_t c = fork();
        if (c == 0) {
            long sum = 0;
            for (int i = 0; i < 64; i++) sum += p[i * PAGE];
            for (int i = 1; i < 64; i += 2) p[i * PAGE] = 1;
            printf("child_sum=%ld\n", sum);
            _exit(0);
        }
        int status;
        waitpid(c, &status, 0);
        printf("child_status=%d parent_odd=%d\n", status, p[PAGE]);
    } else if (strcmp(mode, "reuse") == 0) {
        long sum = 0;
        for (int i = 1; i <= 5; i++) {
            char *p = mmap(0, 9 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            store_at(p, i);
            sum += p[64];
            munmap(p, 9 * PAGE);
        }
        printf("reuse_sum=%ld\n", sum);
    } else {
        fprintf(stderr, "usage: cpu_paging MODE\n");
        return 2;
    }
    puts("done");
    return 0;
}
