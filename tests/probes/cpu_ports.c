/* Issue 11, CPU exceptions: port I/O from user mode. Linux runs user code with IOPL 0 and no I/O bitmap, so every
 * in, out, ins and outs is a general protection fault: SIGSEGV, SI_KERNEL, si_addr 0, the saved RIP at the
 * instruction, every register as it was and no memory written. The ports tried include the runner's own (the KVM
 * backend's stub talks to the host through ports 0x10 and 0x11, and must let user mode reach 0x10 under PVM), and the
 * string forms include a count far larger than the buffer and destinations that are unmapped or read-only.
 *
 *   cpu_ports state FORM    one form, with a handler: the signal, si_code, si_addr, where RIP points, whether the
 *                           registers and the destination buffer are unchanged
 *   cpu_ports ends          every form in a forked child without a handler: how each child ended
 * Build: musl-gcc -static -O1. */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <ucontext.h>

#define BUFFER_BYTES 64
#define FILL 0x5a

static sigjmp_buf recover;
static volatile uintptr_t expected_rip;
static struct { int signo, code; uintptr_t addr, rip, rax, rcx, rdx, rsi, rdi; } seen;
static unsigned char buffer[BUFFER_BYTES];

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    seen.signo = sig;
    seen.code = info->si_code;
    seen.addr = (uintptr_t)info->si_addr;
    seen.rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    seen.rax = (uintptr_t)uc->uc_mcontext.gregs[REG_RAX];
    seen.rcx = (uintptr_t)uc->uc_mcontext.gregs[REG_RCX];
    seen.rdx = (uintptr_t)uc->uc_mcontext.gregs[REG_RDX];
    seen.rsi = (uintptr_t)uc->uc_mcontext.gregs[REG_RSI];
    seen.rdi = (uintptr_t)uc->uc_mcontext.gregs[REG_RDI];
    siglongjmp(recover, 1);
}

#define RAX_BEFORE 0x1234u

/* Records the instruction's address, sets RAX, then runs it with RCX, RDX, RSI and RDI as given. */
#define PORT_INSN(text, rcx, rdx, rsi, rdi)                                                              \
    __asm__ volatile("lea 1f(%%rip), %%r11\n mov %%r11, %0\n mov %1, %%eax\n1: " text                   \
                     : "=m"(expected_rip)                                                                 \
                     : "i"(RAX_BEFORE), "c"(rcx), "d"(rdx), "S"(rsi), "D"(rdi)                            \
                     : "r11", "rax", "memory")

struct form { const char *name; uintptr_t rcx, rdx, rsi, rdi; };

static unsigned char *unmapped_page(void)
{
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    munmap(p, 4096);
    return p;
}

static unsigned char *read_only_page(void)
{
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    memset(p, FILL, 4096);
    mprotect(p, 4096, PROT_READ);
    return p;
}

static void run_form(const struct form *f)
{
    const char *n = f->name;
    if (!strcmp(n, "in_imm_syscall_port")) PORT_INSN("inb $0x10, %%al", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "in_imm_exception_port")) PORT_INSN("inb $0x11, %%al", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "in_imm_80")) PORT_INSN("inb $0x80, %%al", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "in_dword_syscall_port")) PORT_INSN("inl $0x10, %%eax", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "in_dx")) PORT_INSN("inb %%dx, %%al", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "out_imm_syscall_port")) PORT_INSN("outb %%al, $0x10", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "out_imm_exception_port")) PORT_INSN("outb %%al, $0x11", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "out_dx")) PORT_INSN("outb %%al, %%dx", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "out_word_syscall_port")) PORT_INSN("outw %%ax, $0x10", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "insb") || !strcmp(n, "insb_unmapped") || !strcmp(n, "insb_read_only"))
        PORT_INSN("insb", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "rep_insb") || !strcmp(n, "rep_insb_overflow") || !strcmp(n, "rep_insb_unmapped")
             || !strcmp(n, "rep_insb_read_only"))
        PORT_INSN("rep insb", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "outsb")) PORT_INSN("outsb", f->rcx, f->rdx, f->rsi, f->rdi);
    else if (!strcmp(n, "rep_outsb")) PORT_INSN("rep outsb", f->rcx, f->rdx, f->rsi, f->rdi);
    else { printf("unknown form %s\n", n); exit(2); }
}

static int make_forms(struct form *forms)
{
    uintptr_t buf = (uintptr_t)buffer, hole = (uintptr_t)unmapped_page(), ro = (uintptr_t)read_only_page();
    struct form all[] = {
        { "in_imm_syscall_port", 7, 0x10, buf, buf },
        { "in_imm_exception_port", 7, 0x11, buf, buf },
        { "in_imm_80", 7, 0x80, buf, buf },
        { "in_dword_syscall_port", 7, 0x10, buf, buf },
        { "in_dx", 7, 0x10, buf, buf },
        { "out_imm_syscall_port", 7, 0x10, buf, buf },
        { "out_imm_exception_port", 7, 0x11, buf, buf },
        { "out_dx", 7, 0x10, buf, buf },
        { "out_word_syscall_port", 7, 0x10, buf, buf },
        { "insb", 7, 0x10, buf, buf },
        { "insb_unmapped", 7, 0x10, buf, hole },
        { "insb_read_only", 7, 0x10, buf, ro },
        { "rep_insb", 4, 0x10, buf, buf },
        { "rep_insb_overflow", 100000, 0x10, buf, buf },
        { "rep_insb_unmapped", 5, 0x10, buf, hole },
        { "rep_insb_read_only", 5, 0x10, buf, ro },
        { "outsb", 7, 0x10, buf, buf },
        { "rep_outsb", 4, 0x10, buf, buf },
    };
    memcpy(forms, all, sizeof all);
    return sizeof all / sizeof all[0];
}

static const char *same(uintptr_t seen_value, uintptr_t before) { return seen_value == before ? "same" : "changed"; }

static void state(const char *name)
{
    struct form forms[32];
    int count = make_forms(forms);
    const struct form *f = 0;
    for (int i = 0; i < count; i++)
        if (!strcmp(forms[i].name, name)) f = &forms[i];
    if (!f) { printf("unknown form %s\n", name); exit(2); }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    memset(buffer, FILL, sizeof buffer);
    if (sigsetjmp(recover, 1) == 0) {
        run_form(f);
        printf("%s no_signal\n", name);
        return;
    }
    int untouched = 1;
    for (int i = 0; i < BUFFER_BYTES; i++) untouched &= buffer[i] == FILL;
    printf("%s signo=%d code=%d addr=%s rip=%s rax=%s rcx=%s rdx=%s rsi=%s rdi=%s buffer=%s\n", name, seen.signo,
           seen.code, seen.addr == 0 ? "zero" : "other", seen.rip == expected_rip ? "at_instruction" : "other",
           same(seen.rax & 0xffffffffu, RAX_BEFORE), same(seen.rcx, f->rcx), same(seen.rdx, f->rdx),
           same(seen.rsi, f->rsi), same(seen.rdi, f->rdi), untouched ? "untouched" : "written");
}

static void ends(void)
{
    struct form forms[32];
    int count = make_forms(forms);
    for (int i = 0; i < count; i++) {
        pid_t child = fork();
        if (child == 0) {
            run_form(&forms[i]);
            _exit(50);
        }
        int status;
        waitpid(child, &status, 0);
        if (WIFSIGNALED(status)) printf("%s: signal %d\n", forms[i].name, WTERMSIG(status));
        else printf("%s: exit %d\n", forms[i].name, WEXITSTATUS(status));
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 2 && !strcmp(argv[1], "state")) state(argv[2]);
    else if (argc > 1 && !strcmp(argv[1], "ends")) ends();
    else { printf("usage: cpu_ports state FORM | ends\n"); return 2; }
    return 0;
}
