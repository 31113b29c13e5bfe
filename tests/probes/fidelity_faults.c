/* Fidelity (issue 11), CPU exceptions delivered to guest handlers, and translated code that must follow memory
 * changes. Each mode installs SA_SIGINFO handlers, triggers one fault and prints the signal, si_code, where si_addr
 * and the saved RIP point (a named place, never a raw address), then recovers with siglongjmp. Linux is the oracle.
 *
 *   segv_null   store to NULL: SIGSEGV SEGV_MAPERR, si_addr 0
 *   segv_ro     store to a read-only page: SIGSEGV SEGV_ACCERR, si_addr the page
 *   sigbus      load from a file mapping past the end of the file: SIGBUS BUS_ADRERR
 *   sigill      ud2: SIGILL ILL_ILLOPN at the instruction
 *   sigfpe      integer division by zero: SIGFPE FPE_INTDIV at the instruction
 *   sigtrap     int3: SIGTRAP, RIP after the instruction
 *   hlt cli in rdmsr   privileged instructions in user mode: SIGSEGV (SI_KERNEL)
 *   nx          mprotect removes PROT_EXEC from code that already ran: calling it again is SIGSEGV SEGV_ACCERR
 *   smc_read    read() writes new code over code that already ran: the new code runs
 *   smc_store   ordinary stores write new code over code that already ran: the new code runs
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

static sigjmp_buf recover;
static struct { int signo, code; uintptr_t addr, rip; } seen;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    seen.signo = sig;
    seen.code = info->si_code;
    seen.addr = (uintptr_t)info->si_addr;
    seen.rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(recover, 1);
}

extern char ud2_at[], div_at[], int3_at[], int3_after[], hlt_at[], cli_at[], in_at[], rdmsr_at[];
__attribute__((noinline)) static void do_ud2(void) { __asm__ volatile(".globl ud2_at\nud2_at: ud2"); }
__attribute__((noinline)) static int do_div(int zero)
{
    int q;
    __asm__ volatile("mov $1, %%eax\ncltd\n.globl div_at\ndiv_at: idivl %1" : "=a"(q) : "r"(zero) : "edx");
    return q;
}
__attribute__((noinline)) static void do_int3(void) { __asm__ volatile(".globl int3_at\nint3_at: int3\n.globl int3_after\nint3_after: nop"); }
__attribute__((noinline)) static void do_hlt(void) { __asm__ volatile(".globl hlt_at\nhlt_at: hlt"); }
__attribute__((noinline)) static void do_cli(void) { __asm__ volatile(".globl cli_at\ncli_at: cli"); }
__attribute__((noinline)) static void do_in(void) { __asm__ volatile("mov $0x80, %%dx\n.globl in_at\nin_at: inb %%dx, %%al" ::: "eax", "edx"); }
__attribute__((noinline)) static void do_rdmsr(void) { __asm__ volatile("xor %%ecx, %%ecx\n.globl rdmsr_at\nrdmsr_at: rdmsr" ::: "eax", "ecx", "edx"); }

static const char *where(uintptr_t a, uintptr_t expected, uintptr_t page)
{
    if (a == 0) return "zero";
    if (expected && a == expected) return "expected";
    if (page && a >= page && a < page + 4096) return "in_page";
    return "other";
}

static void report_fault(const char *label, int happened, uintptr_t expected_addr, uintptr_t expected_rip, uintptr_t page)
{
    if (!happened) { printf("%s no_signal\n", label); return; }
    printf("%s signo=%d code=%d addr=%s rip=%s\n", label, seen.signo, seen.code, where(seen.addr, expected_addr, page),
           where(seen.rip, expected_rip, 0));
}

#define TRY(label, expected_addr, expected_rip, page, statement)                     \
    do {                                                                              \
        memset(&seen, 0, sizeof seen);                                                \
        if (sigsetjmp(recover, 1) == 0) {                                             \
            statement;                                                                \
            report_fault(label, 0, 0, 0, 0);                                          \
        } else                                                                        \
            report_fault(label, 1, (uintptr_t)(expected_addr), (uintptr_t)(expected_rip), (uintptr_t)(page)); \
    } while (0)

static unsigned char *code_page(void)
{
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return p;
}

static void put_return(unsigned char *p, int value)
{
    /* mov eax, value; ret */
    p[0] = 0xb8;
    memcpy(p + 1, &value, 4);
    p[5] = 0xc3;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
    for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, 0);

    if (strcmp(mode, "segv_null") == 0) {
        TRY("segv_null", 0, 0, 0, *(volatile int *)0 = 1);
    } else if (strcmp(mode, "segv_ro") == 0) {
        char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        TRY("segv_ro", ro + 8, 0, ro, ((volatile char *)ro)[8] = 1);
    } else if (strcmp(mode, "sigbus") == 0) {
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        char *m = mmap(0, 8192, PROT_READ, MAP_SHARED, fd, 0);
        unlink(name);
        TRY("sigbus", m + 16, 0, m, (void)((volatile char *)m)[16]);
    } else if (strcmp(mode, "sigill") == 0) {
        TRY("sigill", ud2_at, ud2_at, 0, do_ud2());
    } else if (strcmp(mode, "sigfpe") == 0) {
        TRY("sigfpe", div_at, div_at, 0, do_div(0));
    } else if (strcmp(mode, "sigtrap") == 0) {
        TRY("sigtrap", 0, int3_after, 0, do_int3());
    } else if (strcmp(mode, "hlt") == 0) {
        TRY("hlt", 0, hlt_at, 0, do_hlt());
    } else if (strcmp(mode, "cli") == 0) {
        TRY("cli", 0, cli_at, 0, do_cli());
    } else if (strcmp(mode, "in") == 0) {
        TRY("in", 0, in_at, 0, do_in());
    } else if (strcmp(mode, "rdmsr") == 0) {
        TRY("rdmsr", 0, rdmsr_at, 0, do_rdmsr());
    } else if (strcmp(mode, "nx") == 0) {
        unsigned char *p = code_page();
        put_return(p, 7);
        mprotect(p, 4096, PROT_READ | PROT_EXEC);
        int (*volatile f)(void) = (int (*)(void))p;
        printf("first_call=%d\n", f());
        mprotect(p, 4096, PROT_READ | PROT_WRITE);
        TRY("call_after_exec_removed", p, p, p, printf("second_call=%d\n", f()));
    } else if (strcmp(mode, "smc_read") == 0) {
        unsigned char *p = code_page();
        put_return(p, 1);
        int (*volatile f)(void) = (int (*)(void))p;
        printf("before=%d\n", f());
        char name[64];
        scratch_file(name);
        int fd = open(name, O_RDWR);
        unsigned char replacement[6];
        put_return(replacement, 2);
        write(fd, replacement, sizeof replacement);
        lseek(fd, 0, SEEK_SET);
        report("read_code_over_code", read(fd, p, sizeof replacement));
        unlink(name);
        printf("after=%d\n", f());
    } else if (strcmp(mode, "smc_store") == 0) {
        unsigned char *p = code_page();
        put_return(p, 1);
        int (*volatile f)(void) = (int (*)(void))p;
        printf("before=%d\n", f());
        put_return(p, 3);
        printf("after=%d\n", f());
    } else {
        fprintf(stderr, "unknown mode\n");
        return 2;
    }
    puts("done");
    return 0;
}
