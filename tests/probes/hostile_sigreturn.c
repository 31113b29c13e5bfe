/* Hostile guest, family "forged signal frames": each attack runs in a forked child that forges what rt_sigreturn
 * restores (through the ucontext its handler returns with: RIP/RSP out of the user range, ring-0 or null CS/SS, a bad,
 * misaligned or garbage fpstate, all EFLAGS bits, a garbage uc_stack; or a raw rt_sigreturn on an unmapped, kernel,
 * garbage or zeroed stack) or makes the kernel deliver a signal where no frame fits (unmapped, read-only, wrapping
 * alternate stacks, nested handlers until the stack runs out). The parent prints how each child ended; Linux is the
 * oracle, and the runner must neither crash nor hang.
 *
 *   hostile_sigreturn          every attack of the tested list, one line each
 *   hostile_sigreturn NAME     one attack, including the untested ones:
 *     rsp_noncanonical  Linux: SIGBUS (#SS on the first push); the runner answers SIGSEGV
 *     eflags_ac         Linux: SIGBUS on an unaligned load; Unicorn does not check alignment (KVM does)
 *     deliver_top, altstack_top  a frame just below 0x7ffffffff000; the runner's user range ends lower
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static const char *attack;
static volatile int resumed;
static char fake_fp[4096] __attribute__((aligned(64)));

static void forge(int sig, siginfo_t *si, void *ctx)
{
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    uint16_t *csgsfs = (uint16_t *)&g[REG_CSGSFS];
    if (!strcmp(attack, "rip_noncanonical")) g[REG_RIP] = (greg_t)0x8000000000000000UL;
    else if (!strcmp(attack, "rip_kernel")) g[REG_RIP] = (greg_t)0xffffffff81000000UL;
    else if (!strcmp(attack, "rip_top")) g[REG_RIP] = (greg_t)0x00007ffffffffffeUL;
    else if (!strcmp(attack, "rsp_noncanonical")) g[REG_RSP] = (greg_t)0x8000000000000000UL;
    else if (!strcmp(attack, "rsp_zero")) g[REG_RSP] = 0;
    else if (!strcmp(attack, "cs_ring0")) csgsfs[0] = 0x10;
    else if (!strcmp(attack, "cs_null")) csgsfs[0] = 0;
    else if (!strcmp(attack, "ss_null")) csgsfs[3] = 0;
    else if (!strcmp(attack, "fs_gs_garbage")) { csgsfs[1] = 0xffff; csgsfs[2] = 0xffff; }
    else if (!strcmp(attack, "fp_bad_pointer")) uc->uc_mcontext.fpregs = (void *)1;
    else if (!strcmp(attack, "fp_kernel_pointer")) uc->uc_mcontext.fpregs = (void *)0xffffffff81000000UL;
    else if (!strcmp(attack, "fp_garbage")) { memset(fake_fp, 0xff, sizeof fake_fp); uc->uc_mcontext.fpregs = (void *)fake_fp; }
    else if (!strcmp(attack, "fp_mxcsr")) {
        memcpy(fake_fp, uc->uc_mcontext.fpregs, 512);
        ((uint32_t *)fake_fp)[6] = 0xffffffff; /* MXCSR with reserved bits */
        uc->uc_mcontext.fpregs = (void *)fake_fp;
    }
    else if (!strcmp(attack, "fp_misaligned")) {
        memcpy(fake_fp + 8, uc->uc_mcontext.fpregs, 512);
        uc->uc_mcontext.fpregs = (void *)(fake_fp + 8);
    }
    else if (!strcmp(attack, "fp_misaligned16")) {
        memcpy(fake_fp + 16, uc->uc_mcontext.fpregs, 512);
        uc->uc_mcontext.fpregs = (void *)(fake_fp + 16);
    }
    else if (!strcmp(attack, "ss_null_lenient")) { csgsfs[3] = 0; uc->uc_flags &= ~4UL; }
    else if (!strcmp(attack, "ss_user_rpl0")) csgsfs[3] = 0x28;
    else if (!strcmp(attack, "cs_user_rpl0")) csgsfs[0] = 0x30;
    else if (!strcmp(attack, "eflags_all")) g[REG_EFL] = -1;
    else if (!strcmp(attack, "eflags_iopl_vm_nt")) g[REG_EFL] |= (3 << 12) | (1 << 14) | (1 << 17) | (1 << 19) | (1 << 20);
    else if (!strcmp(attack, "eflags_tf")) g[REG_EFL] |= 0x100;
    else if (!strcmp(attack, "eflags_ac")) g[REG_EFL] |= 0x40000;
    else if (!strcmp(attack, "eflags_if_clear")) g[REG_EFL] &= ~0x200;
    else if (!strcmp(attack, "uc_stack_garbage")) { uc->uc_stack.ss_sp = (void *)-4096L; uc->uc_stack.ss_size = 1 << 20; uc->uc_stack.ss_flags = 0; }
    else if (!strcmp(attack, "mask_all")) memset(&uc->uc_sigmask, 0xff, sizeof uc->uc_sigmask);
}

static void raw_sigreturn(unsigned long sp)
{
    __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\thlt" : : "r"(sp) : "memory");
}

static void deliver_on(unsigned long sp)
{
    /* kill(getpid(), SIGUSR1) with RSP at sp: the kernel must build the frame there. */
    long pid = getpid();
    __asm__ volatile("mov %%rsp, %%r12\n\tmov %0, %%rsp\n\tmov $62, %%eax\n\tmov %1, %%rdi\n\tmov $10, %%esi\n\tsyscall\n\tmov %%r12, %%rsp"
                     : : "r"(sp), "r"(pid) : "rax", "rdi", "rsi", "rcx", "r11", "r12", "memory");
}

static volatile unsigned long depth;
static void nest(int sig) { depth++; raise(sig); }
static void plain(int sig) { (void)sig; resumed++; }

static void run(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (!strcmp(attack, "raw_unmapped")) raw_sigreturn(0x10000);
    if (!strcmp(attack, "raw_kernel")) raw_sigreturn(0xffffffff81000000UL);
    if (!strcmp(attack, "raw_noncanonical")) raw_sigreturn(0x8000000000000000UL);
    if (!strcmp(attack, "raw_garbage")) {
        static unsigned char junk[8192] __attribute__((aligned(16)));
        memset(junk, 0xa5, sizeof junk);
        raw_sigreturn((unsigned long)junk + 64);
    }
    if (!strcmp(attack, "raw_zeros")) {
        static unsigned char zeros[8192] __attribute__((aligned(16)));
        raw_sigreturn((unsigned long)zeros + 64);
    }
    if (!strcmp(attack, "nested")) {
        sa.sa_handler = nest;
        sa.sa_flags = SA_NODEFER;
        sigaction(SIGUSR1, &sa, 0);
        raise(SIGUSR1);
        return;
    }
    if (!strcmp(attack, "deliver_unmapped") || !strcmp(attack, "deliver_readonly") || !strcmp(attack, "deliver_top")
        || !strcmp(attack, "altstack_unmapped") || !strcmp(attack, "altstack_wrap") || !strcmp(attack, "altstack_top")
        || !strcmp(attack, "altstack_readonly")) {
        sa.sa_handler = plain;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGUSR1, &sa, 0);
        if (!strcmp(attack, "deliver_unmapped")) deliver_on(0x10000);
        else if (!strcmp(attack, "deliver_readonly")) {
            char *p = mmap(0, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            deliver_on((unsigned long)p + 65536);
        } else if (!strcmp(attack, "deliver_top")) {
            char *p = mmap((void *)0x7ffffffef000UL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            printf("top map %s\n", p == MAP_FAILED ? "failed" : "ok");
            fflush(stdout);
            if (p != MAP_FAILED) deliver_on(0x7ffffffff000UL);
        } else {
            stack_t ss = { 0 };
            if (!strcmp(attack, "altstack_unmapped")) { ss.ss_sp = (void *)0x10000; ss.ss_size = 65536; }
            else if (!strcmp(attack, "altstack_wrap")) { ss.ss_sp = (void *)0xfffffffffffff000UL; ss.ss_size = 65536; }
            else if (!strcmp(attack, "altstack_top")) {
                void *p = mmap((void *)0x7ffffffef000UL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                printf("top map %s\n", p == MAP_FAILED ? "failed" : "ok");
                fflush(stdout);
                ss.ss_sp = (void *)0x7ffffffef000UL; ss.ss_size = 65536;
            } else {
                ss.ss_sp = mmap(0, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); ss.ss_size = 65536;
            }
            printf("sigaltstack %d\n", sigaltstack(&ss, 0));
            fflush(stdout);
            raise(SIGUSR1);
        }
        printf("resumed %d\n", resumed);
        return;
    }
    sa.sa_sigaction = forge;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    if (!strcmp(attack, "eflags_ac")) {
        static char bytes[16];
        volatile int *p = (volatile int *)(bytes + 1);
        *p = 1;
    }
    printf("resumed\n");
}

static const char *untested[] = { "rsp_noncanonical", "eflags_ac", "deliver_top", "altstack_top", 0 };

static const char *all[] = {
    "rip_noncanonical", "rip_kernel", "rip_top", "rsp_zero", "cs_ring0", "cs_null", "ss_null",
    "fs_gs_garbage", "ss_null_lenient", "ss_user_rpl0", "cs_user_rpl0", "fp_misaligned", "fp_misaligned16", "fp_bad_pointer", "fp_kernel_pointer", "fp_garbage", "fp_mxcsr", "eflags_all",
    "eflags_iopl_vm_nt", "eflags_tf", "eflags_if_clear", "uc_stack_garbage", "mask_all", "raw_unmapped",
    "raw_kernel", "raw_noncanonical", "raw_garbage", "raw_zeros", "nested", "deliver_unmapped", "deliver_readonly",
    "altstack_unmapped", "altstack_wrap", "altstack_readonly", 0,
};

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char **list = all;
    for (int i = 0; argc > 1 && untested[i]; i++)
        if (!strcmp(argv[1], untested[i])) list = untested;
    for (int i = 0; list[i]; i++) {
        if (argc > 1 && strcmp(argv[1], list[i])) continue;
        attack = list[i];
        printf("%s: ", attack);
        pid_t pid = fork();
        if (pid == 0) { run(); _exit(0); }
        int st;
        waitpid(pid, &st, 0);
        if (WIFSIGNALED(st)) printf("signal %d\n", WTERMSIG(st));
        else printf("exit %d\n", WEXITSTATUS(st));
    }
    return 0;
}
