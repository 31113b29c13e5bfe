/* Hostile guest, family "process games": clone flag combinations (CLONE_VM|CLONE_VFORK exiting at once, invalid
 * combinations, CLONE_SETTLS with kernel and non-canonical bases), arch_prctl FS/GS bases out of the user range,
 * prctl, personality, futexes on unmapped, read-only and misaligned words with bad operations, robust lists that
 * loop or point nowhere, mappings over the vsyscall page and across the ends of the address space, descriptor
 * exhaustion then fork and exec. Each attack runs in a forked child; the parent prints the child's lines and how it
 * ended. Linux is the oracle: a native run prints the same.
 *
 *   hostile_process [NAME]         every differential attack (or one)
 * Runner-only modes (natively, as root, they would reach the host or answer differently):
 *   hostile_process outsider PID   every cross-process call (process_vm_readv/writev, kcmp, pidfd_open/getfd, ptrace,
 *                                  waitid, sched_*, ioprio, prlimit...) naming PID, the parent and init: never "ok"
 *   hostile_process privileged     ptrace, PR_SET_MM, namespaces, mount, iopl, bpf, userfaultfd, io_uring...: refused
 *                                  or emulated, then "still alive"
 *   hostile_process seccomp_strict / seccomp_filter_kill   strict mode / a kill-everything filter, then exit 3 / 4:
 *                                  the runner must not be the process the filter kills
 *   hostile_process clone_vm_sibling | clone_parent | personality_exec | vdso_games   known differences (unsupported
 *                                  CLONE_VM processes, CLONE_PARENT, READ_IMPLIES_EXEC, no vDSO)
 * Build: musl-gcc -static -O1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

/* <linux/futex.h> is not in musl's include path. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static const char *strerrorname_np(int e)
{
    static char b[4][16];
    static int i;
    i = (i + 1) % 4;
    snprintf(b[i], sizeof b[i], "errno %d", e);
    return b[i];
}

static void report(const char *what, long r)
{
    if (r < 0) printf("  %s: %s\n", what, strerrorname_np(errno));
    else printf("  %s: ok\n", what);
}

#define R(what, call) report(what, (long)(call))

/* clone(flags) whose child leaves at once through exit_group(0) without touching memory; the parent reaps it. */
static long raw_clone(unsigned long flags)
{
    long r;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(r) : "0"(SYS_clone), "D"(flags), "S"(0), "d"(0), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    if (r > 0) waitpid(r, 0, __WALL);
    return r;
}

static void vfork_vm_exit(void)
{
    /* CLONE_VM|CLONE_VFORK child exits at once through a raw exit_group: it shares our stack. */
    long r;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "mov $7, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(r) : "0"(SYS_clone), "D"(CLONE_VM | CLONE_VFORK | SIGCHLD), "S"(0), "d"(0), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    int st = 0;
    printf("  clone: %s\n", r > 0 ? "ok" : "failed");
    if (r > 0) waitpid(r, &st, 0);
    printf("  child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}

static char child_stack[65536] __attribute__((aligned(16)));
static volatile int shared_word;
static int vm_child(void *arg) { (void)arg; shared_word = 42; return 5; }

static void clone_vm_sibling(void)
{
    pid_t p = clone(vm_child, child_stack + sizeof child_stack, CLONE_VM | SIGCHLD, 0);
    int st = 0;
    if (p > 0) waitpid(p, &st, 0);
    printf("  clone: %s status %d word %d\n", p > 0 ? "ok" : strerrorname_np(errno), WIFEXITED(st) ? WEXITSTATUS(st) : -1, shared_word);
}

static void clone_parent(void)
{
    /* The grandchild becomes our parent's child: the parent (the test's top process) must reap it. */
    long c;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "mov $9, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(c) : "0"(SYS_clone), "D"(CLONE_PARENT | SIGCHLD), "S"(0), "d"(0), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    printf("  clone_parent: %s\n", c > 0 ? "ok" : strerrorname_np(-c));
    printf("  waitpid own: %s\n", c > 0 && waitpid(c, 0, WNOHANG) < 0 ? strerrorname_np(errno) : "reaped?");
}

static void clone_flags(void)
{
    long r = raw_clone(CLONE_THREAD | SIGCHLD);
    printf("  clone_thread_without_vm: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(CLONE_SIGHAND | SIGCHLD);
    printf("  clone_sighand_without_vm: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(CLONE_FS | CLONE_NEWNS);
    printf("  clone_fs_newns: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(CLONE_PIDFD | CLONE_PARENT_SETTID);
    printf("  clone_pidfd_settid: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(CLONE_PIDFD | CLONE_DETACHED);
    printf("  clone_detached: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(0xff);  /* exit signal 255: invalid */
    printf("  clone_bad_signal: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    r = raw_clone(CLONE_SETTLS | SIGCHLD | ((unsigned long)0 << 32));
    printf("  clone_settls_zero: %s\n", r < 0 ? strerrorname_np(-r) : "ok");
    long c;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = (long)0x8000000000000000UL;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(c) : "0"(SYS_clone), "D"(CLONE_SETTLS | SIGCHLD), "S"(0), "d"(0), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    if (c > 0) waitpid(c, 0, 0);
    printf("  clone_settls_noncanonical: %s\n", c < 0 ? strerrorname_np(-c) : "ok");
    r8 = (long)0xffffffff81000000UL;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $231, %%eax\n\t"
                     "xor %%edi, %%edi\n\t"
                     "syscall\n\t"
                     "1:"
                     : "=a"(c) : "0"(SYS_clone), "D"(CLONE_SETTLS | CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES), "S"(child_stack + sizeof child_stack), "d"(0), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    printf("  clone_thread_settls_kernel: %s\n", c < 0 ? strerrorname_np(-c) : "ok");
}

static void process_controls(void)
{
    unsigned long old_fs = 0, old_gs = 0;
    syscall(SYS_arch_prctl, 0x1003, &old_fs);
    syscall(SYS_arch_prctl, 0x1004, &old_gs);
    unsigned long bases[] = { 0x8000000000000000UL, 0xffffffff81000000UL, 0x7ffffffff000UL, 0xffffffffffffffffUL };
    for (int i = 0; i < 4; i++) {
        printf("  base %d:", i);
        printf(" fs %ld", syscall(SYS_arch_prctl, 0x1002, bases[i]) < 0 ? (long)errno : 0L);
        syscall(SYS_arch_prctl, 0x1002, old_fs);
        printf(" gs %ld\n", syscall(SYS_arch_prctl, 0x1001, bases[i]) < 0 ? (long)errno : 0L);
        syscall(SYS_arch_prctl, 0x1001, old_gs);
    }
    R("arch_prctl_get_fs_unmapped", syscall(SYS_arch_prctl, 0x1003, (void *)0x10000));
    R("arch_prctl_bad_code", syscall(SYS_arch_prctl, 0x9999, 0));
    R("prctl_get_dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    R("prctl_set_dumpable_bad", prctl(PR_SET_DUMPABLE, 7, 0, 0, 0));
    R("prctl_set_dumpable_0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    R("prctl_bad_option", prctl(0x7fffffff, 0, 0, 0, 0));
    R("prctl_set_name_bad_pointer", prctl(PR_SET_NAME, (void *)1, 0, 0, 0));
    R("prctl_set_child_subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    R("prctl_set_no_new_privs_bad", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    R("prctl_get_seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    fflush(stdout);
}

static void seccomp_strict(void)
{
    /* After strict mode only read, write, exit and sigreturn work natively; the runner may refuse the call, but it
     * must not be the one that dies. */
    long r = syscall(SYS_seccomp, 0 /* SECCOMP_SET_MODE_STRICT */, 0, 0);
    const char *msg = r == 0 ? "  seccomp strict: ok\n" : "  seccomp strict: refused\n";
    write(1, msg, strlen(msg));
    syscall(SYS_exit, 3);
}

static void seccomp_filter_kill(void)
{
    struct { unsigned short len; void *filter; } prog;
    struct { unsigned short code; unsigned char jt, jf; unsigned int k; } kill_all[] = { { 0x06, 0, 0, 0 } };
    prog.len = 1; prog.filter = kill_all;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long r = syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &prog);
    /* Natively the next call (write) kills the process with SIGSYS. */
    const char *msg = r == 0 ? "  filter: installed\n" : "  filter: refused\n";
    write(1, msg, strlen(msg));
    _exit(4);
}

static void personality_exec(void)
{
    R("personality_read_implies_exec", personality(READ_IMPLIES_EXEC));
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 0xb8; p[1] = 42; p[2] = p[3] = p[4] = 0; p[5] = 0xc3; /* mov eax, 42; ret */
    int (*f)(void) = (int (*)(void))p;
    printf("  rw page call: %d\n", f());
    fflush(stdout);
}

static void personality_bad(void)
{
    R("personality_all", personality(0xffffffff));
    R("personality_query", personality(0xffffffff));
    R("personality_linux32", personality(PER_LINUX32));
    R("personality_addr_compat", personality(ADDR_COMPAT_LAYOUT | ADDR_LIMIT_32BIT));
    void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("  mmap after ADDR_LIMIT_32BIT below 4G: %d\n", p != MAP_FAILED && (uintptr_t)p < (1UL << 32));
}

static void mprotect_exec_jump(void)
{
    static unsigned char code[8192] __attribute__((aligned(4096)));
    code[0] = 0xb8; code[1] = 7; code[5] = 0xc3;
    R("mprotect_rwx_data", mprotect(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
    int (*f)(void) = (int (*)(void))code;
    printf("  data call: %d\n", f());
    code[1] = 8; /* self-modifying: the next call must see the new byte */
    printf("  data call after store: %d\n", f());
    R("mprotect_exec_only", mprotect(code, 4096, PROT_EXEC));
    printf("  exec-only call: %d\n", f());
    fflush(stdout);
}

static void vdso_games(void)
{
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    struct timespec ts;
    printf("  vdso present: %d\n", vdso != 0);
    if (!vdso) return;
    R("munmap_vdso", munmap((void *)vdso, 4096));
    R("mprotect_vdso_none", mprotect((void *)vdso, 4096, PROT_NONE));
    R("mremap_vdso", (long)mremap((void *)vdso, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x300000000UL) == -1 ? -1 : 0);
    R("mmap_fixed_over_vdso", mmap((void *)vdso, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    fflush(stdout);
    /* The vDSO is gone or zero: musl's cached vDSO function must fault natively the same way. Use the syscall. */
    R("clock_gettime_syscall", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
}

static void vsyscall_area(void)
{
    R("mmap_fixed_vsyscall", mmap((void *)0xffffffffff600000UL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    R("munmap_vsyscall", munmap((void *)0xffffffffff600000UL, 4096));
    R("mprotect_vsyscall", mprotect((void *)0xffffffffff600000UL, 4096, PROT_READ | PROT_WRITE));
}

static void mapping_edges(void)
{
    R("mmap_fixed_kernel", mmap((void *)0xffff800000000000UL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    R("mmap_fixed_noncanonical", mmap((void *)0x0000800000000000UL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    R("mmap_fixed_wrap", mmap((void *)0xfffffffffffff000UL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    R("mmap_fixed_crossing_top", mmap((void *)0x7ffffffff000UL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    R("mmap_huge_length", mmap(0, 0xfffffffffffff000UL, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
    R("mmap_len_wraps", mmap(0, (size_t)-1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0);
    void *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    R("mremap_to_kernel", (long)mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0xffff800000000000UL) == -1 ? -1 : 0);
    R("mremap_to_itself", (long)mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, p) == -1 ? -1 : 0);
    R("mremap_overlapping", (long)mremap(p, 8192, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)p + 4096) == -1 ? -1 : 0);
    R("mremap_grow_huge", (long)mremap(p, 4096, 0x7fffffffffffUL, MREMAP_MAYMOVE) == -1 ? -1 : 0);
    R("mremap_wrap", (long)mremap((void *)0xfffffffffffff000UL, 8192, 4096, 0) == -1 ? -1 : 0);
    R("mremap_dontunmap_anon", (long)mremap(p, 4096, 4096, MREMAP_MAYMOVE | 4 /* MREMAP_DONTUNMAP */, 0) == -1 ? -1 : 0);
    R("brk_kernel", syscall(SYS_brk, 0xffffffff81000000UL) == syscall(SYS_brk, 0) ? 0 : -1);
    R("brk_noncanonical", syscall(SYS_brk, 0x0000800000000000UL) == syscall(SYS_brk, 0) ? 0 : -1);
    R("brk_zero", syscall(SYS_brk, 0) ? 0 : -1);
    R("madvise_dontneed_text", madvise((void *)((uintptr_t)&mapping_edges & ~4095UL), 4096, MADV_DONTNEED));
    printf("  still running\n");
    R("mprotect_wrap", mprotect((void *)0xfffffffffffff000UL, 8192, PROT_READ));
    R("munmap_wrap", munmap((void *)0xfffffffffffff000UL, 8192));
    R("munmap_everything_above_4G_in_kernel", munmap((void *)0x800000000000UL, 0x100000000UL));
    R("msync_kernel", msync((void *)0xffffffff81000000UL, 4096, MS_SYNC));
    R("mlock_huge", mlock(p, 0x7fffffffffffUL));
    R("mincore_kernel", mincore((void *)0xffffffff81000000UL, 4096, (unsigned char *)p));
}

static void futexes(void)
{
    static const int ro_word = 0;
    int *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static int word;
    struct timespec zero = { 0, 0 };
    struct timespec bad = { 0, 2000000000L };
    R("wait_unmapped", syscall(SYS_futex, (void *)0x10000, FUTEX_WAIT, 0, &zero, 0, 0));
    R("wait_kernel", syscall(SYS_futex, (void *)0xffffffff81000000UL, FUTEX_WAIT, 0, &zero, 0, 0));
    R("wait_misaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 0, &zero, 0, 0));
    R("wait_rodata_match", syscall(SYS_futex, &ro_word, FUTEX_WAIT_PRIVATE, 0, &zero, 0, 0));
    R("wait_bad_timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 0, &bad, 0, 0));
    R("wait_timeout_unmapped", syscall(SYS_futex, &word, FUTEX_WAIT, 0, (void *)1, 0, 0));
    R("wake_unmapped", syscall(SYS_futex, (void *)0x10000, FUTEX_WAKE, 1, 0, 0, 0));
    R("wake_negative", syscall(SYS_futex, &word, FUTEX_WAKE, -1, 0, 0, 0));
    R("wake_op_readonly", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, ro, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
    R("wake_op_unmapped", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, (void *)0x10000, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
    R("wake_op_bad_op", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, &word, (7u << 28) | (0 << 24)));
    R("wake_op_bad_cmp", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, &word, (0u << 28) | (7u << 24)));
    R("wake_op_shift_huge", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, &word, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 40, FUTEX_OP_CMP_EQ, 0)));
    printf("  word after ops: %d\n", word);
    R("wake_op_misaligned2", syscall(SYS_futex, &word, FUTEX_WAKE_OP, 1, 1, (char *)&word + 2, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
    R("requeue_same", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 0x7fffffff, &word, word));
    R("requeue_negative", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, -1, -1, &shared_word, word));
    R("requeue_unmapped_target", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, (void *)0x10000, word));
    R("bad_command", syscall(SYS_futex, &word, 99, 0, 0, 0, 0));
    R("bad_command_private_realtime", syscall(SYS_futex, &word, 0x7fffffff, 0, 0, 0, 0));
    R("wait_bitset_zero", syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, word, &zero, 0, 0));
    R("wake_bitset_zero", syscall(SYS_futex, &word, FUTEX_WAKE_BITSET, 1, 0, 0, 0));
    R("set_robust_list_bad_len", syscall(SYS_set_robust_list, (void *)1, 1));
    R("set_robust_list_garbage", syscall(SYS_set_robust_list, (void *)0x10000, 24));
}

static void robust_garbage_exit(void)
{
    /* A robust list head pointing at itself forever, and at unmapped memory: the exit walk must end. */
    static unsigned long head[3];
    head[0] = (unsigned long)head; head[1] = 0; head[2] = 0;
    syscall(SYS_set_robust_list, head, 24);
    pid_t p = fork();
    if (p == 0) {
        static unsigned long loop[3];
        loop[0] = (unsigned long)loop; loop[1] = (unsigned long)-8; loop[2] = (unsigned long)loop;
        syscall(SYS_set_robust_list, loop, 24);
        _exit(6);
    }
    int st;
    waitpid(p, &st, 0);
    printf("  loop child exit %d\n", WEXITSTATUS(st));
    p = fork();
    if (p == 0) {
        static unsigned long bad[3];
        bad[0] = 0x10000; bad[1] = 0; bad[2] = 0x10000;
        syscall(SYS_set_robust_list, bad, 24);
        _exit(7);
    }
    waitpid(p, &st, 0);
    printf("  unmapped child exit %d\n", WEXITSTATUS(st));
}

static void fd_exhaustion(void)
{
    struct { unsigned long cur, max; } lim = { 64, 64 };
    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, 0);
    int n = 0;
    while (open("/dev/null", O_RDONLY) >= 0) n++;
    printf("  opened %d, last %s\n", n, strerrorname_np(errno));
    int fds[2];
    R("pipe_when_full", pipe(fds));
    pid_t p = fork();
    if (p == 0) {
        char *argv[] = { "/proc/self/exe", "--exit", 0 };
        execve("/proc/self/exe", argv, (char *[]){ 0 });
        printf("  exec when full: %s\n", strerrorname_np(errno));
        fflush(stdout);
        _exit(8);
    }
    int st = 0;
    R("fork_when_full", p);
    if (p > 0) waitpid(p, &st, 0);
    printf("  child exit %d\n", WEXITSTATUS(st));
    lim.cur = lim.max = 3;
    R("lower_below_open", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, 0));
    R("dup_when_lowered", dup(0));
    lim.cur = lim.max = 0;
    R("nofile_zero", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, 0));
    R("open_after_zero", open("/dev/null", O_RDONLY));
    R("write_still_works", write(1, "", 0));
}

struct attack { const char *name; void (*run)(void); };
static const struct attack attacks[] = {
    { "vfork_vm_exit", vfork_vm_exit }, 
    { "clone_flags", clone_flags }, { "process_controls", process_controls }, 
    { "personality_bad", personality_bad }, { "mprotect_exec_jump", mprotect_exec_jump }, 
    { "vsyscall_area", vsyscall_area }, { "mapping_edges", mapping_edges }, { "futexes", futexes },
    { "robust_garbage_exit", robust_garbage_exit }, { "fd_exhaustion", fd_exhaustion }, { 0, 0 },
};

static void privileged(void)
{
    /* Run as root natively these succeed; under the runner they must be refused (or emulated), never reach the host. */
    R("ptrace_attach_parent", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
    R("ptrace_seize_init", ptrace(PTRACE_SEIZE, 1, 0, 0));
    R("ptrace_traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
    R("prctl_set_mm_start_code", prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0x1000, 0, 0));
    R("prctl_set_mm_exe", prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, 0, 0, 0));
    R("prctl_capbset_drop", prctl(PR_CAPBSET_DROP, 0, 0, 0, 0));
    R("prctl_set_securebits", prctl(PR_SET_SECUREBITS, 0x2f, 0, 0, 0));
    R("prctl_set_pdeathsig", prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
    R("clone_newuser", raw_clone(CLONE_NEWUSER | SIGCHLD));
    R("clone_newpid", raw_clone(CLONE_NEWPID | SIGCHLD));
    R("clone_newns", raw_clone(CLONE_NEWNS | SIGCHLD));
    R("unshare_all", unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET));
    R("chroot", chroot("/tmp"));
    R("setuid_0", setuid(0));
    R("setns_self", syscall(SYS_setns, open("/proc/self/ns/mnt", O_RDONLY), 0));
    R("reboot_query", syscall(SYS_reboot, 0xfee1dead, 672274793, 0, 0));
    R("kexec_load", syscall(SYS_kexec_load, 0, 0, 0, 0));
    R("init_module", syscall(SYS_init_module, 0, 0, ""));
    R("iopl_3", syscall(SYS_iopl, 3));
    R("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
    R("mount_tmpfs", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, 0));
    R("umount_root", syscall(SYS_umount2, "/", 2));
    R("swapoff", syscall(SYS_swapoff, "/"));
    R("settimeofday", syscall(SYS_settimeofday, 0, 0));
    R("sethostname", syscall(SYS_sethostname, "x", 1));
    R("acct", syscall(SYS_acct, 0));
    R("bpf", syscall(SYS_bpf, 0, 0, 0));
    R("perf_event_open", syscall(SYS_perf_event_open, 0, 0, -1, -1, 0));
    R("userfaultfd", syscall(SYS_userfaultfd, 0));
    R("io_uring_setup", syscall(SYS_io_uring_setup, 1, (char[120]){ 0 }));
    R("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
    R("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, (char[64]){ 8, 0, 0, 0, 1 }, O_RDONLY));
    R("name_to_handle_at_then_open", syscall(SYS_name_to_handle_at, AT_FDCWD, "/", (char[136]){ 128 }, (int[1]){ 0 }, 0));
    R("fanotify_init", syscall(SYS_fanotify_init, 0, 0));
    R("modify_ldt_write", syscall(SYS_modify_ldt, 1, (char[16]){ 0 }, 16));
    R("arch_prctl_cpuid_off", syscall(SYS_arch_prctl, 0x1012, 0));
    printf("  still alive\n");
    fflush(stdout);
}

static void outsider(pid_t pid)
{
    char buf[64];
    struct iovec local = { buf, sizeof buf }, remote = { (void *)0x400000, sizeof buf };
    pid_t targets[] = { pid, getppid(), 1 };
    for (int i = 0; i < 3; i++) {
        pid_t t = targets[i];
        printf("target %d:\n", i);
        R("process_vm_readv", syscall(SYS_process_vm_readv, t, &local, 1, &remote, 1, 0));
        R("process_vm_writev", syscall(SYS_process_vm_writev, t, &local, 1, &remote, 1, 0));
        R("kcmp", syscall(SYS_kcmp, getpid(), t, 0 /* KCMP_FILE */, 0, 0));
        R("kcmp_vm", syscall(SYS_kcmp, getpid(), t, 1 /* KCMP_VM */, 0, 0));
        long pfd = syscall(SYS_pidfd_open, t, 0);
        R("pidfd_open", pfd);
        if (pfd >= 0) {
            R("pidfd_getfd", syscall(SYS_pidfd_getfd, pfd, 0, 0));
            R("pidfd_send_signal_0", syscall(SYS_pidfd_send_signal, pfd, 0, 0, 0));
            close(pfd);
        }
        R("ptrace_attach", ptrace(PTRACE_ATTACH, t, 0, 0));
        R("ptrace_seize", ptrace(PTRACE_SEIZE, t, 0, 0));
        R("ptrace_peek", ptrace(PTRACE_PEEKDATA, t, 0x400000, 0));
        siginfo_t si;
        R("waitid", waitid(P_PID, t, &si, WEXITED | WNOHANG));
        R("wait4", wait4(t, 0, WNOHANG, 0));
        cpu_set_t set;
        CPU_ZERO(&set); CPU_SET(0, &set);
        R("sched_setaffinity", sched_setaffinity(t, sizeof set, &set));
        R("sched_getaffinity", sched_getaffinity(t, sizeof set, &set));
        struct sched_param sp = { 0 };
        R("sched_setscheduler", sched_setscheduler(t, SCHED_OTHER, &sp));
        R("sched_getparam", sched_getparam(t, &sp));
        R("setpriority", setpriority(PRIO_PROCESS, t, 19));
        R("setpgid", setpgid(t, t));
        R("ioprio_get", syscall(SYS_ioprio_get, 1, t));
        R("ioprio_set", syscall(SYS_ioprio_set, 1, t, 0));
        R("get_robust_list", syscall(SYS_get_robust_list, t, (void *)buf, (void *)(buf + 8)));
        R("migrate_pages", syscall(SYS_migrate_pages, t, 8, buf, buf));
        R("move_pages", syscall(SYS_move_pages, t, 0, 0, 0, 0, 0));
        R("sched_setattr", syscall(SYS_sched_setattr, t, buf, 0));
        R("prlimit_set", syscall(SYS_prlimit64, t, RLIMIT_NOFILE, 0, buf));
        R("capget", syscall(SYS_capget, &(struct { unsigned v; int pid; }){ 0x20080522, t }, buf));
        R("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, t, 0, buf));
        R("setns_fd", syscall(SYS_setns, 0, 0));
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "--exit")) return 0;
    if (argc > 2 && !strcmp(argv[1], "outsider")) { outsider(atoi(argv[2])); return 0; }
    if (argc > 1 && !strcmp(argv[1], "privileged")) { privileged(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "clone_vm_sibling")) { clone_vm_sibling(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "clone_parent")) { clone_parent(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "personality_exec")) { personality_exec(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "vdso_games")) { vdso_games(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "seccomp_strict")) { seccomp_strict(); return 0; }
    if (argc > 1 && !strcmp(argv[1], "seccomp_filter_kill")) { seccomp_filter_kill(); return 0; }
    for (int i = 0; attacks[i].name; i++) {
        if (argc > 1 && strcmp(argv[1], attacks[i].name)) continue;
        printf("%s:\n", attacks[i].name);
        pid_t pid = fork();
        if (pid == 0) { attacks[i].run(); fflush(stdout); _exit(0); }
        int st;
        waitpid(pid, &st, 0);
        /* reap CLONE_PARENT grandchildren */
        while (waitpid(-1, &st, WNOHANG) > 0) printf("  reaped an extra child\n");
        if (WIFSIGNALED(st)) printf("  => signal %d\n", WTERMSIG(st));
        else printf("  => exit %d\n", WEXITSTATUS(st));
    }
    return 0;
}
