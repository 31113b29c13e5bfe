// Per-round-trip cost of the ways a 64-bit guest can stop at its host (KVM_RUN returning to user space), measured
// on whatever /dev/kvm this machine has (PVM, VMX or SVM). Not part of CI; see README.md beside this file.
//
//   gcc -O2 -Wall -o /tmp/kvm-exit bench/kvm-exit/kvm-exit.c && /tmp/kvm-exit [iterations]
//
// Every variant runs a two-instruction loop in the guest (the stopping instruction, then a jump back) and counts
// the CPU time of the calling thread (user + system, CLOCK_THREAD_CPUTIME_ID) and the wall time per round trip. A
// variant that has to redirect the guest (a syscall's return to RCX, an int3's RIP) does it through the kvm_run
// sync area exactly like the C# backend (KVM_CAP_SYNC_REGS, kvm_dirty_regs), so it pays what the backend pays.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (2u << 20)       // one memory slot: guest-physical 0 .. 2 MiB, identity mapped
#define PML4 0x0000
#define PDPT 0x1000
#define PD 0x2000
#define PT 0x3000
#define GDT 0x4000
#define TSS 0x5000
#define IDT 0x6000
#define USER_CODE 0x10000
#define ENTRY_CODE 0x11000        // LSTAR
#define STACK_TOP 0x30000
#define HANDLER_IRET 0x12000     // ring 0: iretq
#define HANDLER_OUT 0x12100      // ring 0: out 0x11, al; iretq
#define HANDLER_STUB 0x12200     // ring 0: like KernelStub's vector entry (push 0; push 0; push 3; jmp common)
#define STUB_COMMON (getenv("COMMON") ? strtoul(getenv("COMMON"), NULL, 0) : 0x13000) // ring 0: out 0x11, al; add rsp, 24; iretq
#define HANDLER_CUSTOM 0x12400   // ring 0: handler_code
#define MMIO_VA 0x100000          // mapped (user, writable) to a guest-physical page outside the slot
#define MMIO_PA 0x300000
#define PORT 0x10

#define P 1ull
#define RW 2ull
#define US 4ull
#define PS 0x80ull

static int kvm, vmfd, vcpufd;
static uint8_t *mem;
static struct kvm_run *run;
static uint64_t handler_for_int3 = HANDLER_IRET;
static uint8_t handler_code[64];
static size_t handler_code_len;
static struct kvm_guest_debug debug_regs;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void set_msr(uint32_t index, uint64_t value)
{
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entry;
    } msrs = {0};
    msrs.header.nmsrs = 1;
    msrs.entry.index = index;
    msrs.entry.data = value;
    if (ioctl(vcpufd, KVM_SET_MSRS, &msrs) != 1)
        die("KVM_SET_MSRS");
}

static struct kvm_segment flat(uint16_t selector, uint8_t type, uint8_t dpl, int code)
{
    struct kvm_segment s = {.base = 0, .limit = 0xffffffff, .selector = selector, .type = type, .present = 1,
                            .dpl = dpl, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1};
    return s;
}

// A fresh VM and vCPU in long mode, CPL `cpl`, RIP at USER_CODE (which holds `code`), LSTAR at ENTRY_CODE (which
// holds `entry`), the TSS I/O bitmap allowing PORT from user mode.
static void setup(int cpl, const uint8_t *code, size_t code_len, const uint8_t *entry, size_t entry_len, uint32_t debug)
{
    vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vmfd < 0)
        die("KVM_CREATE_VM");
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap");
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
                                                 .userspace_addr = (uint64_t)mem};
    if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");

    uint64_t *pml4 = (uint64_t *)(mem + PML4), *pdpt = (uint64_t *)(mem + PDPT), *pd = (uint64_t *)(mem + PD),
             *pt = (uint64_t *)(mem + PT);
    pml4[0] = PDPT | P | RW | US;
    pdpt[0] = PD | P | RW | US;
    pd[0] = PT | P | RW | US;
    for (uint64_t i = 0; i < 512; i++)
        pt[i] = (i << 12) | P | RW | US;
    pt[MMIO_VA >> 12] = MMIO_PA | P | RW | US;

    uint64_t *gdt = (uint64_t *)(mem + GDT);
    gdt[2] = 0x00AF9B000000FFFFull; // 0x10 kernel code
    gdt[3] = 0x00CF93000000FFFFull; // 0x18 kernel data
    gdt[4] = 0x00CFFB000000FFFFull; // 0x23 user code 32
    gdt[5] = 0x00CFF3000000FFFFull; // 0x2b user data
    gdt[6] = 0x00AFFB000000FFFFull; // 0x33 user code
    uint8_t *tss = mem + TSS;
    *(uint64_t *)(tss + 4) = STACK_TOP;   // RSP0
    *(uint16_t *)(tss + 102) = 104;       // I/O map base
    memset(tss + 104, 0xff, 4);
    tss[104 + PORT / 8] &= ~(1 << (PORT % 8));

    static const uint8_t iret[] = {0x48, 0xCF};
    static const uint8_t out_iret[] = {0xE6, 0x11, 0x48, 0xCF};
    memcpy(mem + HANDLER_IRET, iret, sizeof iret);
    memcpy(mem + HANDLER_OUT, out_iret, sizeof out_iret);
    static const uint8_t stub_entry[] = {0x6A, 0, 0x6A, 0, 0x68, 3, 0, 0, 0, 0xE9, 0, 0, 0, 0};
    static const uint8_t stub_common[] = {0xE6, 0x11, 0x48, 0x83, 0xC4, 0x18, 0x48, 0xCF};
    memcpy(mem + HANDLER_STUB, stub_entry, sizeof stub_entry);
    memcpy(mem + HANDLER_CUSTOM, handler_code, handler_code_len);
    *(int32_t *)(mem + HANDLER_STUB + 10) = STUB_COMMON - (HANDLER_STUB + sizeof stub_entry);
    memcpy(mem + STUB_COMMON, stub_common, sizeof stub_common);
    uint64_t *idt = (uint64_t *)(mem + IDT);
    uint64_t handler = handler_for_int3;
    idt[3 * 2] = (handler & 0xFFFF) | (0x10ull << 16) | ((0x80ull | (3 << 5) | 0xE) << 40) | (((handler >> 16) & 0xFFFF) << 48);
    idt[3 * 2 + 1] = handler >> 32;
    memcpy(mem + USER_CODE, code, code_len);
    if (entry)
        memcpy(mem + ENTRY_CODE, entry, entry_len);

    vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
    if (vcpufd < 0)
        die("KVM_CREATE_VCPU");
    int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpufd, 0);
    if (run == MAP_FAILED)
        die("mmap vcpu");

    struct kvm_sregs sregs;
    if (ioctl(vcpufd, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    sregs.cs = cpl ? flat(0x33, 11, 3, 1) : flat(0x10, 11, 0, 1);
    sregs.ss = cpl ? flat(0x2b, 3, 3, 0) : flat(0x18, 3, 0, 0);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
    sregs.tr = (struct kvm_segment){.base = TSS, .limit = 104 + 4 - 1, .selector = 0x40, .type = 11, .present = 1};
    sregs.gdt.base = GDT;
    sregs.gdt.limit = 10 * 8 - 1;
    sregs.idt.base = IDT;
    sregs.idt.limit = 256 * 16 - 1; // only #BP has a gate: any other guest exception is a triple fault
    sregs.cr0 = 0x80050033;  // PE MP ET NE WP AM PG
    sregs.cr3 = PML4;
    sregs.cr4 = getenv("CR4") ? strtoull(getenv("CR4"), NULL, 0) : 0x620; // PAE OSFXSR OSXMMEXCPT
    sregs.efer = 0xD01;      // SCE LME LMA NXE
    if (ioctl(vcpufd, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    set_msr(0xC0000081, (0x23ull << 48) | (0x10ull << 32)); // STAR
    set_msr(0xC0000082, ENTRY_CODE);                        // LSTAR
    set_msr(0xC0000084, 0x47700);                           // FMASK

    struct kvm_regs regs = {0};
    regs.rip = USER_CODE;
    regs.rsp = STACK_TOP - 0x1000;
    regs.rflags = 0x202;
    if (ioctl(vcpufd, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");
    if (debug) {
        debug_regs.control = KVM_GUESTDBG_ENABLE | debug;
        if (ioctl(vcpufd, KVM_SET_GUEST_DEBUG, &debug_regs) < 0)
            die("KVM_SET_GUEST_DEBUG");
    }
    // SYNC_SREGS=1 also has KVM copy the special registers (CR2 among them) into kvm_run at every exit.
    run->kvm_valid_regs = KVM_SYNC_X86_REGS | (getenv("SYNC_SREGS") ? KVM_SYNC_X86_SREGS : 0);
}

static void teardown(void)
{
    close(vcpufd);
    close(vmfd);
    munmap(mem, MEM_SIZE);
}

enum fixup { NONE, RIP_FROM_RCX, RIP_PLUS_ONE, FRAME_LIKE_BACKEND };

// Runs until `iterations` exits of `reason` happened, fixing the guest up after each as `fixup` says.
static const char *only; // argv[2]: run only the variants whose name contains this

static void measure(const char *name, uint32_t reason, enum fixup fixup, long iterations)
{
    if (only && !strstr(name, only))
        return;
    for (long warm = 0; warm < 100 + iterations; warm++) {
        static double cpu0, wall0;
        if (warm == 100) {
            cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
            wall0 = now(CLOCK_MONOTONIC);
        }
        if (ioctl(vcpufd, KVM_RUN, 0) < 0 && errno != EINTR)
            die("KVM_RUN");
        if (run->exit_reason != reason) {
            fprintf(stderr, "%s: exit reason %u (expected %u), rip %llx, internal suberror %u\n", name,
                    run->exit_reason, reason, (unsigned long long)run->s.regs.regs.rip, run->internal.suberror);
            exit(1);
        }
        if (fixup == RIP_FROM_RCX) {
            run->s.regs.regs.rip = run->s.regs.regs.rcx;
            run->s.regs.regs.rflags = run->s.regs.regs.r11;
            run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        } else if (fixup == FRAME_LIKE_BACKEND) {
            // What KvmVcpu does after an exception stop: rewrite the iretq frame (RIP, CS, RFLAGS, RSP, SS) from
            // its copy of the user state and point RSP/RIP at the iretq path through the sync area.
            uint64_t *frame = (uint64_t *)(mem + run->s.regs.regs.rsp);
            frame[3] = frame[3];
            frame[4] = 0x33;
            frame[5] = 0x202;
            frame[7] = 0x2b;
            run->s.regs.regs.rip = STUB_COMMON + 2;
            run->s.regs.regs.rflags = 2;
            run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        } else if (fixup == RIP_PLUS_ONE) {
            run->s.regs.regs.rip += 1;
            run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        }
        if (warm == 100 + iterations - 1) {
            double cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0, wall = now(CLOCK_MONOTONIC) - wall0;
            printf("%-44s %7.2f us CPU %7.2f us wall\n", name, cpu / iterations * 1e6, wall / iterations * 1e6);
        }
    }
}

// Bare KVM_RUN with immediate_exit set: the ioctl and KVM's entry/exit bookkeeping, without entering the guest.
static void measure_immediate(long iterations)
{
    static const uint8_t code[] = {0xEB, 0xFE};
    setup(3, code, sizeof code, NULL, 0, 0);
    run->immediate_exit = 1;
    double cpu0 = now(CLOCK_THREAD_CPUTIME_ID), wall0 = now(CLOCK_MONOTONIC);
    for (long i = 0; i < iterations; i++)
        if (ioctl(vcpufd, KVM_RUN, 0) == 0 || errno != EINTR)
            die("KVM_RUN immediate_exit");
    double cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0, wall = now(CLOCK_MONOTONIC) - wall0;
    printf("%-44s %7.2f us CPU %7.2f us wall\n", "KVM_RUN, immediate_exit (no guest entry)", cpu / iterations * 1e6,
           wall / iterations * 1e6);
    teardown();
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    only = argc > 2 ? argv[2] : NULL;
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    printf("%ld round trips each; kvm_pvm loaded: %s\n", n, access("/sys/module/kvm_pvm", F_OK) == 0 ? "yes" : "no");

    static const uint8_t out_loop[] = {0xE6, PORT, 0xEB, 0xFC};                      // out PORT, al; jmp -4
    static const uint8_t syscall_loop[] = {0x0F, 0x05, 0xEB, 0xFC};                  // syscall; jmp -4
    static const uint8_t mmio_loop[] = {0x88, 0x04, 0x25, 0, 0, 0x10, 0, 0xEB, 0xF7}; // mov [MMIO_VA], al; jmp -9
    static const uint8_t int3_loop[] = {0xCC, 0xEB, 0xFD};                           // int3; jmp -3
    static const uint8_t entry_out[] = {0xE6, PORT};
    static const uint8_t entry_int3[] = {0xCC};
    static const uint8_t entry_mmio[] = {0x88, 0x04, 0x25, 0, 0, 0x10, 0};
    static const uint8_t hlt_loop[] = {0xF4, 0xEB, 0xFD};                            // hlt; jmp -3

    measure_immediate(n);

    setup(0, out_loop, sizeof out_loop, NULL, 0, 0);
    measure("(a) ring 0: out -> KVM_EXIT_IO", KVM_EXIT_IO, NONE, n);
    teardown();

    setup(0, hlt_loop, sizeof hlt_loop, NULL, 0, 0);
    measure("    ring 0: hlt -> KVM_EXIT_HLT", KVM_EXIT_HLT, NONE, n);
    teardown();

    setup(3, out_loop, sizeof out_loop, NULL, 0, 0);
    measure("    user: out (I/O bitmap) -> KVM_EXIT_IO", KVM_EXIT_IO, NONE, n);
    teardown();

    setup(3, syscall_loop, sizeof syscall_loop, entry_out, sizeof entry_out, 0);
    measure("(b) user: syscall, LSTAR out -> EXIT_IO", KVM_EXIT_IO, RIP_FROM_RCX, n);
    teardown();

    setup(3, mmio_loop, sizeof mmio_loop, NULL, 0, 0);
    measure("(c) user: store to MMIO -> KVM_EXIT_MMIO", KVM_EXIT_MMIO, NONE, n);
    teardown();

    setup(3, syscall_loop, sizeof syscall_loop, entry_mmio, sizeof entry_mmio, 0);
    measure("    user: syscall, LSTAR MMIO store", KVM_EXIT_MMIO, RIP_FROM_RCX, n);
    teardown();

    (void)entry_int3;
    debug_regs.arch.debugreg[0] = ENTRY_CODE;
    debug_regs.arch.debugreg[7] = 0x401; // L0, execute breakpoint
    setup(3, syscall_loop, sizeof syscall_loop, entry_out, sizeof entry_out, KVM_GUESTDBG_USE_HW_BP);
    measure("(d) user: syscall, LSTAR hw breakpoint -> DEBUG", KVM_EXIT_DEBUG, RIP_FROM_RCX, n);
    teardown();

    // Guest user <-> guest ring 0 through the IDT, no exit to user space: int3 (DPL3 gate), handler iretq.
    static const uint8_t int3_out_loop[] = {0xCC, 0xE6, PORT, 0xEB, 0xFB}; // int3; out PORT, al; jmp -5
    setup(3, int3_out_loop, sizeof int3_out_loop, NULL, 0, 0);
    measure("(e) user: int3 -> ring 0 iretq, then user out", KVM_EXIT_IO, NONE, n);
    teardown();

    handler_for_int3 = HANDLER_OUT;
    setup(3, int3_loop, sizeof int3_loop, NULL, 0, 0);
    measure("(f) user: int3 -> ring 0 out, exit, iretq", KVM_EXIT_IO, NONE, n);
    teardown();
    handler_for_int3 = HANDLER_STUB;
    setup(3, int3_loop, sizeof int3_loop, NULL, 0, 0);
    measure("(f) same through the backend's stub code", KVM_EXIT_IO, NONE, n);
    teardown();
    setup(3, int3_loop, sizeof int3_loop, NULL, 0, 0);
    measure("(f) stub code, frame and RIP rewritten", KVM_EXIT_IO, FRAME_LIKE_BACKEND, n);
    teardown();

    // The cost of ring-0 instructions under this host: the int3 handler with 8 NOPs (or 8 register pushes/pops)
    // before its out.
    static const uint8_t nops_out_iret[] = {0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xE6, 0x11, 0x48, 0xCF};
    static const uint8_t pushpop_out_iret[] = {0x50, 0x58, 0x50, 0x58, 0x50, 0x58, 0x50, 0x58, 0xE6, 0x11, 0x48, 0xCF};
    memcpy(handler_code, nops_out_iret, sizeof nops_out_iret);
    handler_code_len = sizeof nops_out_iret;
    handler_for_int3 = HANDLER_CUSTOM;
    setup(3, int3_loop, sizeof int3_loop, NULL, 0, 0);
    measure("(f) handler: 8 x nop, out, iretq", KVM_EXIT_IO, NONE, n);
    teardown();
    memcpy(handler_code, pushpop_out_iret, sizeof pushpop_out_iret);
    setup(3, int3_loop, sizeof int3_loop, NULL, 0, 0);
    measure("(f) handler: 4 x push/pop, out, iretq", KVM_EXIT_IO, NONE, n);
    teardown();
    handler_for_int3 = HANDLER_IRET;
    return 0;
}
