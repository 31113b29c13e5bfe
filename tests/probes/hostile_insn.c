/* Hostile guest, family "instructions a kernel owns": every software interrupt vector (int N for N = 0..255), int3
 * and into forms, sysenter, the 32-bit int 0x80 system call, descriptor-table and control-register instructions, port
 * I/O, MSRs, swapgs, iretq and sysret from user mode, and loading null or kernel selectors into segment registers.
 * Each runs in a forked child; the parent prints how it ended (a signal number, or "exit N"). The runner must survive
 * every one and never resume the guest in its own ring-0 code. Linux answers int N (N other than 3, 4, 0x80) with a
 * general protection fault (SIGSEGV); Unicorn reports the vector itself and the PVM flavour of KVM mostly #UD, so
 * the test only checks that every child ended and the runner did not (known differences: int N signals, int 0x80
 * compat system calls, Unicorn's unchecked port I/O, icebp).
 *
 *   hostile_insn int     int N for every N (one line per distinct outcome range)
 *   hostile_insn misc    the other instructions
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char *code;

static int run_code(const unsigned char *bytes, int len)
{
    pid_t p = fork();
    if (p == 0) {
        memcpy(code, bytes, len);
        /* after the instruction: exit_group(0) */
        static const unsigned char tail[] = { 0xb8, 0xe7, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05 };
        memcpy(code + len, tail, sizeof tail);
        ((void (*)(void))code)();
        _exit(50);
    }
    int st;
    waitpid(p, &st, 0);
    return WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
}

static void show(const char *what, int r)
{
    if (r >= 1000) printf("%s: exit %d\n", what, r - 1000);
    else printf("%s: signal %d\n", what, r);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const char *mode = argc > 1 ? argv[1] : "all";
    if (!strcmp(mode, "int") || !strcmp(mode, "all")) {
        int first = 0, last_r = -1;
        for (int n = 0; n <= 256; n++) {
            int r = -2;
            if (n < 256) {
                /* rax = 39 (getpid on 64-bit, unused on 32-bit int 0x80: 39 is mkdir, harmless with a NULL path) */
                unsigned char b[] = { 0x31, 0xdb, 0xb8, 0x14, 0, 0, 0, 0xcd, (unsigned char)n };
                r = run_code(b, sizeof b);
            }
            if (r != last_r) {
                if (last_r != -1) {
                    char what[32];
                    snprintf(what, sizeof what, "int %d..%d", first, n - 1);
                    show(what, last_r);
                }
                first = n;
                last_r = r;
            }
        }
    }
    if (!strcmp(mode, "misc") || !strcmp(mode, "all")) {
        struct { const char *name; unsigned char b[24]; int len; } list[] = {
            { "int3", { 0xcc }, 1 },
            { "int1_icebp", { 0xf1 }, 1 },
            { "sysenter", { 0x0f, 0x34 }, 2 },
            { "sysexit", { 0x0f, 0x35 }, 2 },
            { "sysret", { 0x48, 0x0f, 0x07 }, 3 },
            { "iretq", { 0x48, 0xcf }, 2 },
            { "swapgs", { 0x0f, 0x01, 0xf8 }, 3 },
            { "lgdt", { 0x0f, 0x01, 0x10 }, 3 },        /* lgdt [rax] */
            { "lidt", { 0x0f, 0x01, 0x18 }, 3 },
            { "sgdt_stack", { 0x48, 0x83, 0xec, 0x10, 0x0f, 0x01, 0x04, 0x24, 0x48, 0x83, 0xc4, 0x10 }, 12 },
            { "ltr", { 0x0f, 0x00, 0xd8 }, 3 },
            { "mov_cr3", { 0x0f, 0x22, 0xd8 }, 3 },
            { "mov_from_cr3", { 0x0f, 0x20, 0xd8 }, 3 },
            { "mov_dr7", { 0x0f, 0x23, 0xf8 }, 3 },
            { "wrmsr", { 0x0f, 0x30 }, 2 },
            { "rdpmc", { 0x0f, 0x33 }, 2 },
            { "invlpg", { 0x0f, 0x01, 0x38 }, 3 },
            { "wbinvd", { 0x0f, 0x09 }, 2 },
            { "xsetbv", { 0x0f, 0x01, 0xd1 }, 3 },
            { "out_80", { 0xe6, 0x80 }, 2 },
            { "in_dx", { 0x66, 0xba, 0xf8, 0x03, 0xec }, 5 },
            { "vmcall", { 0x0f, 0x01, 0xc1 }, 3 },
            { "vmmcall", { 0x0f, 0x01, 0xd9 }, 3 },
            { "mov_ss_null", { 0x31, 0xc0, 0x8e, 0xd0 }, 4 },
            { "mov_ss_kernel_ds", { 0xb8, 0x18, 0, 0, 0, 0x8e, 0xd0 }, 7 },
            { "mov_ds_garbage", { 0xb8, 0xff, 0xff, 0, 0, 0x8e, 0xd8 }, 7 },
            { "mov_fs_null", { 0x31, 0xc0, 0x8e, 0xe0 }, 4 },
            { "mov_ss_then_syscall", { 0xb8, 0x2b, 0, 0, 0, 0x8e, 0xd0, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 }, 14 },
            { "far_ret_kernel_cs", { 0x6a, 0x10, 0x48, 0x8d, 0x05, 0, 0, 0, 0, 0x50, 0x48, 0xcb }, 12 },
            { "far_jmp_mem_garbage", { 0xff, 0x2c, 0x24 }, 3 },
            { "hlt_loop", { 0xf4, 0xeb, 0xfd }, 3 },
            { "pushf_set_tf_popf", { 0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0, 0, 0x9d, 0x90 }, 11 },
            { "syscall_with_tf", { 0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0, 0, 0x9d, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05 }, 17 },
            { "clac", { 0x0f, 0x01, 0xca }, 3 },
            { "stac", { 0x0f, 0x01, 0xcb }, 3 },
            { "rdtscp", { 0x0f, 0x01, 0xf9 }, 3 },
            { "ud0", { 0x0f, 0xff, 0x00 }, 3 },
            { "lock_nop", { 0xf0, 0x90 }, 2 },
            { "long_prefixes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 }, 15 },
            { "umonitor", { 0xf3, 0x0f, 0xae, 0xf0 }, 4 },
        };
        for (unsigned i = 0; i < sizeof list / sizeof list[0]; i++) show(list[i].name, run_code(list[i].b, list[i].len));
    }
    return 0;
}
