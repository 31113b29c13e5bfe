/* Fidelity (issue 11), traps and privileged instructions in user mode, as Linux reports them to an SA_SIGINFO handler.
 * Each case runs one instruction between two labels and prints the signal, si_code, where si_addr points, the saved
 * RIP as an offset from the instruction (Linux: AT a faulting instruction, AFTER a trap like int3), and the frame's
 * trapno and error code. Covered: the privileged instructions (hlt, cli, sti, in/out in their port and dx forms,
 * ins/outs, rdmsr, wrmsr, a control-register move), software interrupts (int3, the two-byte int $3, int1/icebp,
 * int $4, int N for vectors whose gate user mode may not use), ud2, the legacy "into" (undefined in 64-bit mode), a
 * call into the vsyscall page (its three entries, bad pointers, a misaligned entry, a bad stack, reads and writes),
 * loads and stores at kernel, vsyscall and non-canonical addresses (parts kernel_reads, kernel_writes), and int $0x80 (the i386 system call on kernels with IA32 emulation: getpid, write
 * with 32-bit arguments, unknown, huge and negative numbers, high register halves, bad pointers, time, pipe, dup,
 * close, exit; part int80_structs: calls whose i386 structures differ from x86-64's). Linux is the oracle; anything it answers, the runner must answer
 * the same. Build: musl-gcc -static -O1 (and gcc -static). */
#include "probe_common.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>

/* How far from the instruction an address may be and still be printed as an offset. */
#define NEAR 64
/* The vsyscall page's gettimeofday, time and getcpu entries. */
#define VSYSCALL_GETTIMEOFDAY 0xffffffffff600000UL
#define VSYSCALL_TIME 0xffffffffff600400UL
#define VSYSCALL_GETCPU 0xffffffffff600800UL
/* An address inside the vsyscall page that is none of its three entries, and the page after it. */
#define VSYSCALL_MISALIGNED 0xffffffffff600100UL
#define VSYSCALL_NEXT_PAGE 0xffffffffff601000UL
/* A user-range address nothing maps, and an address above the user range (a kernel address). */
#define UNMAPPED_USER 0x10UL
#define KERNEL_ADDRESS 0xffff800000000000UL
/* The i386 system call numbers this probe uses with int $0x80. */
#define I386_EXIT 1
#define I386_WRITE 4
#define I386_READ 3
#define I386_TIME 13
#define I386_GETPID 20
#define I386_DUP 41
#define I386_CLOSE 6
#define I386_GETPPID 64
#define I386_GETEUID32 201
#define I386_GETTID 224
#define I386_PIPE 42
#define I386_STAT 106
#define I386_NANOSLEEP 162
#define I386_UNUSED 500

static sigjmp_buf recover;
static const int sigs_of_faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
static struct { int signo, code; uintptr_t addr, rip; long trapno, err; } seen;

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    seen.signo = sig;
    seen.code = info->si_code;
    seen.addr = (uintptr_t)info->si_addr;
    seen.rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    seen.trapno = (long)uc->uc_mcontext.gregs[REG_TRAPNO];
    seen.err = (long)uc->uc_mcontext.gregs[REG_ERR];
    siglongjmp(recover, 1);
}

/* One instruction between the labels NAME_at and NAME_end (a nop follows, so NAME_end is a real instruction), after
 * setup instructions (edx holds port 0x80 for the dx forms). */
#define INSN_AFTER(name, setup, text)                                                                          \
    extern char name##_at[], name##_end[];                                                                     \
    __attribute__((noinline)) static void do_##name(void)                                                      \
    {                                                                                                          \
        __asm__ volatile("mov $0x80, %%edx\n" setup "\n.globl " #name "_at\n" #name "_at: " text                \
                         "\n.globl " #name "_end\n" #name "_end: nop" ::: "memory", "eax", "ecx", "edx", "esi", "edi"); \
    }
#define INSN(name, text) INSN_AFTER(name, "", text)

INSN(hlt, "hlt")
INSN(cli, "cli")
INSN(sti, "sti")
INSN(in_dx, "inb %%dx, %%al")
INSN(in_imm, "inb $0x80, %%al")
INSN(in_stub_port, "inb $0x10, %%al")
INSN(out_dx, "outb %%al, %%dx")
INSN(out_imm, "outb %%al, $0x80")
INSN(out_stub_port, "outb %%al, $0x10")
INSN(out_exception_port, "outb %%al, $0x11")
INSN(outl_dx, "outl %%eax, %%dx")
INSN_AFTER(insb, "lea -64(%%rsp), %%rdi", "insb")
INSN_AFTER(outsb, "mov %%rsp, %%rsi", "outsb")
INSN_AFTER(rdmsr, "xor %%ecx, %%ecx", "rdmsr")
INSN_AFTER(wrmsr, "xor %%ecx, %%ecx", "wrmsr")
INSN(mov_cr0, "mov %%cr0, %%rax")
INSN(int3, "int3")
INSN(int_3, ".byte 0xcd, 0x03") /* the assembler would write int $3 as the one-byte int3 */
INSN(int1, ".byte 0xf1")
INSN(int_4, "int $4")
INSN(int_0, "int $0")
INSN(int_1, "int $1")
INSN(int_6, "int $6")
INSN(int_13, "int $13")
INSN(int_23, "int $23")
INSN(int_25, "int $25")
INSN(int_26, "int $26")
INSN(int_14, "int $14")
INSN(int_0x81, "int $0x81")
INSN(int_0xff, "int $0xff")
INSN_AFTER(read_kernel, "mov $0xffff800000000000, %%rsi", "mov (%%rsi), %%rax")
INSN_AFTER(read_vsyscall_page, "mov $0xffffffffff600000, %%rsi", "mov (%%rsi), %%rax")
INSN_AFTER(read_above_user, "mov $0x7ffffffff000, %%rsi", "mov (%%rsi), %%rax")
INSN_AFTER(read_noncanonical, "mov $0x800000000000, %%rsi", "mov (%%rsi), %%rax")
INSN_AFTER(write_kernel, "mov $0xffff800000000000, %%rsi", "mov %%rax, (%%rsi)")
INSN_AFTER(write_vsyscall_page, "mov $0xffffffffff600400, %%rsi", "mov %%rax, (%%rsi)")
INSN_AFTER(write_noncanonical, "mov $0xffff7ffffffff000, %%rsi", "mov %%rax, (%%rsi)")
INSN(ud2, "ud2")
INSN(into, ".byte 0xce")

/* Whether the case may see RIP either at or after its instruction: int1 (icebp) is a #DB trap (RIP after) on bare
 * metal, but a hypervisor that intercepts it (PVM on the test machines) reinjects it at the instruction. */
static int either_side;

static void where(const char *what, uintptr_t a, uintptr_t at)
{
    long off = (long)(a - at);
    if (a == 0) printf(" %s=0", what);
    else if (either_side && (off == 0 || off == 1)) printf(" %s=insn+0|1", what);
    else if (off >= -NEAR && off <= NEAR) printf(" %s=insn%+ld", what, off);
    else printf(" %s=other", what);
}

static void report_trap(const char *label, int happened, uintptr_t at, uintptr_t end)
{
    if (!happened) { printf("%s no_signal\n", label); return; }
    printf("%s signo=%d code=%d", label, seen.signo, seen.code);
    where("addr", seen.addr, at);
    where("rip", seen.rip, at);
    printf(" insn_len=%ld trapno=%ld err=%#lx\n", (long)(end - at), seen.trapno, seen.err);
}

#define TRY(name)                                                                                  \
    do {                                                                                           \
        memset(&seen, 0, sizeof seen);                                                             \
        if (sigsetjmp(recover, 1) == 0) {                                                          \
            do_##name();                                                                           \
            report_trap(#name, 0, 0, 0);                                                                \
        } else                                                                                     \
            report_trap(#name, 1, (uintptr_t)name##_at, (uintptr_t)name##_end);                         \
    } while (0)

/* int $0x80 with i386 registers: eax number, ebx/ecx/edx the first three arguments. */
static long int80(long number, long a, long b, long c)
{
    long r = number;
    __asm__ volatile("int $0x80" : "+a"(r) : "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

/* Calls the vsyscall entry at ENTRY with rdi, rsi, rdx and prints its result or the signal it raised (RIP as an
 * offset from ENTRY; si_addr as an offset from ENTRY or from the bad pointer, or 0/other). */
static void vsyscall_case(const char *label, uintptr_t entry, long a, long b, long c, uintptr_t bad)
{
    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long (*fn)(long, long, long) = (long (*)(long, long, long))entry;
        long r = fn(a, b, c);
        if (entry == VSYSCALL_TIME && a == 0) printf("%s positive=%d\n", label, r > 0);
        else printf("%s ret=%ld\n", label, r);
    } else {
        printf("%s signo=%d code=%d", label, seen.signo, seen.code);
        if (bad && seen.addr == bad) printf(" addr=bad");
        else where("addr", seen.addr, entry);
        where("rip", seen.rip, entry);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }
}

/* Jumps to the vsyscall gettimeofday with RSP at an unreadable address (the handler runs on the alternate stack). */
static void vsyscall_bad_stack(void)
{
    static char altstack[1 << 16];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, 0);
    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        __asm__ volatile("xor %%edi, %%edi\n xor %%esi, %%esi\n mov %0, %%rsp\n jmp *%1"
                         :: "r"(UNMAPPED_USER), "r"(VSYSCALL_GETTIMEOFDAY) : "memory", "rdi", "rsi");
        printf("vsyscall_bad_stack returned\n");
    } else {
        printf("vsyscall_bad_stack signo=%d code=%d", seen.signo, seen.code);
        where("addr", seen.addr, VSYSCALL_GETTIMEOFDAY);
        where("rip", seen.rip, VSYSCALL_GETTIMEOFDAY);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
}

static void vsyscall_calls(void)
{
    struct { long sec, usec; } tv = { -1, -1 };
    struct { int minuteswest, dsttime; } tz = { -1, -1 };
    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long (*gtod)(void *, void *) = (long (*)(void *, void *))VSYSCALL_GETTIMEOFDAY;
        long r = gtod(&tv, &tz);
        printf("vsyscall_gettimeofday ret=%ld filled=%d tz_filled=%d\n", r, tv.sec > 0, tz.minuteswest != -1);
    } else {
        printf("vsyscall_gettimeofday signo=%d code=%d", seen.signo, seen.code);
        where("addr", seen.addr, VSYSCALL_GETTIMEOFDAY);
        where("rip", seen.rip, VSYSCALL_GETTIMEOFDAY);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }

    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long (*tm)(long *) = (long (*)(long *))VSYSCALL_TIME;
        long t = 0;
        long r = tm(&t);
        printf("vsyscall_time same=%d\n", r == t && r > 0);
    } else {
        printf("vsyscall_time signo=%d code=%d", seen.signo, seen.code);
        where("addr", seen.addr, VSYSCALL_TIME);
        where("rip", seen.rip, VSYSCALL_TIME);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }

    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long (*gc)(unsigned *, unsigned *, void *) = (long (*)(unsigned *, unsigned *, void *))VSYSCALL_GETCPU;
        unsigned cpu = ~0u, node = ~0u;
        long r = gc(&cpu, &node, (void *)KERNEL_ADDRESS); /* the cache argument is ignored */
        printf("vsyscall_getcpu ret=%ld cpu_ok=%d node=%u\n", r, cpu < 4096, node);
    } else {
        printf("vsyscall_getcpu signo=%d code=%d", seen.signo, seen.code);
        where("rip", seen.rip, VSYSCALL_GETCPU);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }

    vsyscall_case("vsyscall_gettimeofday_null", VSYSCALL_GETTIMEOFDAY, 0, 0, 0, 0);
    vsyscall_case("vsyscall_time_null_positive", VSYSCALL_TIME, 0, 0, 0, 0);
    vsyscall_case("vsyscall_gettimeofday_unmapped", VSYSCALL_GETTIMEOFDAY, UNMAPPED_USER, 0, 0, UNMAPPED_USER);
    vsyscall_case("vsyscall_gettimeofday_kernel_tv", VSYSCALL_GETTIMEOFDAY, KERNEL_ADDRESS, 0, 0, KERNEL_ADDRESS);
    vsyscall_case("vsyscall_gettimeofday_kernel_tz", VSYSCALL_GETTIMEOFDAY, 0, KERNEL_ADDRESS, 0, KERNEL_ADDRESS);
    vsyscall_case("vsyscall_time_kernel", VSYSCALL_TIME, KERNEL_ADDRESS, 0, 0, KERNEL_ADDRESS);
    vsyscall_case("vsyscall_time_unmapped", VSYSCALL_TIME, UNMAPPED_USER, 0, 0, UNMAPPED_USER);
    vsyscall_case("vsyscall_getcpu_kernel", VSYSCALL_GETCPU, KERNEL_ADDRESS, 0, 0, KERNEL_ADDRESS);
    vsyscall_case("vsyscall_misaligned", VSYSCALL_MISALIGNED, 0, 0, 0, 0);
    vsyscall_case("vsyscall_next_page", VSYSCALL_NEXT_PAGE, 0, 0, 0, 0);
    vsyscall_bad_stack();

    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long v = *(volatile long *)VSYSCALL_GETTIMEOFDAY;
        printf("vsyscall_read value=%#lx\n", v);
    } else {
        printf("vsyscall_read signo=%d code=%d", seen.signo, seen.code);
        where("addr", seen.addr, VSYSCALL_GETTIMEOFDAY);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }
}

/* i386 calls whose structures differ from x86-64's: Linux fills the i386 layouts (stat: 64 bytes; nanosleep: a
 * timespec of two 32-bit fields). */
static void int80_struct_calls(void)
{
    static char statbuf[256];
    memset(statbuf, 0, sizeof statbuf);
    printf("int80_stat ret=%ld\n", int80(I386_STAT, (long)(uintptr_t)"/", (long)(uintptr_t)statbuf, 0));
    static int ts[2] = { 0, 1 };
    printf("int80_nanosleep ret=%ld\n", int80(I386_NANOSLEEP, (long)(uintptr_t)ts, 0, 0));
}

static void int80_calls(void)
{
    static const char message[] = "int80_write says hello\n";
    memset(&seen, 0, sizeof seen);
    if (sigsetjmp(recover, 1) == 0) {
        long pid = int80(I386_GETPID, 0, 0, 0);
        printf("int80_getpid same=%d\n", pid == (long)getpid());
        long n = int80(I386_WRITE, 1, (long)(uintptr_t)message, (long)sizeof message - 1);
        printf("int80_write ret=%ld\n", n);
        printf("int80_unused ret=%ld\n", int80(I386_UNUSED, 0, 0, 0));
        printf("int80_huge ret=%ld\n", int80(0x7fffffffL, 0, 0, 0));
        printf("int80_negative ret=%ld\n", int80(-1L, 0, 0, 0));
        printf("int80_negative_big ret=%ld\n", int80(-100000L, 0, 0, 0));
        /* the upper half of RAX and of the argument registers is ignored */
        printf("int80_high_bits_getpid same=%d\n", int80(0x100000000L | I386_GETPID, 0, 0, 0) == (long)getpid());
        printf("int80_high_bits_write ret=%ld\n", int80(I386_WRITE, 0x100000001L, (long)(uintptr_t)message | 0x7f00000000000000L, 6));
        printf("int80_getppid same=%d\n", int80(I386_GETPPID, 0, 0, 0) == (long)getppid());
        printf("int80_gettid same=%d\n", int80(I386_GETTID, 0, 0, 0) == (long)getpid());
        printf("int80_geteuid32 same=%d\n", int80(I386_GETEUID32, 0, 0, 0) == (long)geteuid());
        /* pointers are 32 bits: the probe is static and not PIE, so its data is below 4 GiB (its stack is not) */
        static long t32 = -1;
        long tr = int80(I386_TIME, (long)(uintptr_t)&t32, 0, 0);
        printf("int80_time ret_positive=%d low_half_same=%d high_half_untouched=%d\n", tr > 0, (int)t32 == (int)tr,
               (int)(t32 >> 32) == -1);
        long onstack = -1;
        printf("int80_time_stack_pointer ret=%ld (truncated to 32 bits)\n", int80(I386_TIME, (long)(uintptr_t)&onstack, 0, 0));
        printf("int80_time_bad ret=%ld\n", int80(I386_TIME, UNMAPPED_USER, 0, 0));
        printf("int80_write_bad ret=%ld\n", int80(I386_WRITE, 1, UNMAPPED_USER, 4));
        printf("int80_write_badfd ret=%ld\n", int80(I386_WRITE, -1L, (long)(uintptr_t)message, 4));
        static int fds[2];
        long pr = int80(I386_PIPE, (long)(uintptr_t)fds, 0, 0);
        long wr = write(fds[1], "xy", 2);
        long rb = int80(I386_READ, fds[0], UNMAPPED_USER, 1);
        static char got[2];
        long rg = int80(I386_READ, fds[0], (long)(uintptr_t)got, 2);
        printf("int80_pipe ret=%ld write=%ld read_bad=%ld read=%ld got=%.*s\n", pr, wr, rb, rg, (int)(rg > 0 ? rg : 0), got);
        long fd = int80(I386_DUP, 1, 0, 0);
        long c1 = int80(I386_CLOSE, fd, 0, 0);
        long c2 = int80(I386_CLOSE, fd, 0, 0);
        printf("int80_dup ok=%d close=%ld close_again=%ld\n", fd > 2, c1, c2);
        close(fds[0]);
        close(fds[1]);
    } else {
        printf("int80 signo=%d code=%d", seen.signo, seen.code);
        where("addr", seen.addr, 0);
        printf(" trapno=%ld err=%#lx\n", seen.trapno, seen.err);
    }

    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(2); }
    if (pid == 0) {
        for (int i = 0; i < 5; i++) signal(sigs_of_faults[i], SIG_DFL); /* a fault ends the child with its signal */
        int80(I386_EXIT, 37, 0, 0);
        _exit(99);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("int80_exit exited=%d code=%d signaled=%d sig=%d\n", WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : -1);
}

/* A blocking i386 read interrupted by SIGALRM: without SA_RESTART it fails with EINTR; with SA_RESTART it restarts
 * (RAX must hold the i386 number again, 3, not x86-64's 0, which would be i386 restart_syscall) and reads the byte
 * the second handler run writes. */
static int restart_pipe[2];
static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
    (void)sig;
    if (++alarms == 2) write(restart_pipe[1], "z", 1);
}

static void int80_restart(int restart)
{
    static char got;
    alarms = 0;
    got = '-';
    if (pipe(restart_pipe) != 0) { perror("pipe"); exit(2); }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval every = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &every, 0);
    long r = int80(I386_READ, restart_pipe[0], (long)(uintptr_t)&got, 1);
    setitimer(ITIMER_REAL, &off, 0);
    printf("int80_read_%s ret=%ld got=%c\n", restart ? "sa_restart" : "no_restart", r, got);
    close(restart_pipe[0]);
    close(restart_pipe[1]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    const char *part = argc > 1 ? argv[1] : "all";
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    for (int i = 0; i < 5; i++) sigaction(sigs_of_faults[i], &sa, 0);

    int all = strcmp(part, "all") == 0;
    if (all || strcmp(part, "privileged") == 0) {
        TRY(hlt);
        TRY(cli);
        TRY(sti);
        TRY(in_dx);
        TRY(in_imm);
        TRY(in_stub_port);
        TRY(out_dx);
        TRY(out_imm);
        TRY(out_stub_port);
        TRY(out_exception_port);
        TRY(outl_dx);
        TRY(insb);
        TRY(outsb);
        TRY(rdmsr);
        TRY(wrmsr);
        TRY(mov_cr0);
    }
    if (all || strcmp(part, "traps") == 0) {
        TRY(int3);
        TRY(int_3);
        either_side = 1;
        TRY(int1);
        either_side = 0;
        TRY(int_4);
        TRY(int_0);
        TRY(int_1);
        TRY(int_6);
        TRY(int_13);
        TRY(int_23);
        TRY(int_25);
        TRY(int_14);
        TRY(int_0x81);
        TRY(int_0xff);
        TRY(ud2);
        TRY(into);
    }
    if (all || strcmp(part, "int26") == 0) TRY(int_26);
    if (all || strcmp(part, "kernel_reads") == 0) {
        TRY(read_kernel);
        TRY(read_vsyscall_page);
        TRY(read_above_user);
        TRY(read_noncanonical);
    }
    if (all || strcmp(part, "kernel_writes") == 0) {
        TRY(write_kernel);
        TRY(write_vsyscall_page);
        TRY(write_noncanonical);
    }
    if (all || strcmp(part, "vsyscall") == 0) vsyscall_calls();
    if (all || strcmp(part, "int80") == 0) int80_calls();
    if (all || strcmp(part, "int80_structs") == 0) int80_struct_calls();
    if (all || strcmp(part, "int80_restart") == 0) {
        int80_restart(0);
        int80_restart(1);
    }
    return 0;
}
