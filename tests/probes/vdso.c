/* The vDSO (AT_SYSINFO_EHDR): found and called the way C libraries and Go do it, and its answers compared with the
 * system calls'. Every line must read the same natively and under usermem-run.
 *
 *   symbols  parses the image as musl's __vdsosym does (PT_LOAD/PT_DYNAMIC, DT_HASH, DT_SYMTAB, DT_STRTAB,
 *            DT_VERSYM/DT_VERDEF) and reports each x86-64 vDSO function: found, a function, version LINUX_2.6.
 *   clocks   after 0.2 s (a runner calibrates its clock page meanwhile), interleaves vDSO and system-call reads of
 *            CLOCK_MONOTONIC, BOOTTIME and REALTIME: the monotonic ones never step back across the two (vdso <=
 *            syscall <= vdso), REALTIME agrees within a millisecond; gettimeofday and time agree with their system
 *            calls; the libc wrappers too.
 *   faults   a bad pointer where Linux's vDSO stores in user mode (a NULL timespec for the clocks it computes, a
 *            bad tv or tz, time's and getcpu's results, clock_getres's) faults (SIGSEGV) in a child; a CPU-time
 *            clock's is the system call's EFAULT; a bad clock id is EINVAL; gettimeofday(NULL, NULL) is 0.
 * Build: musl-gcc -static -O1 (also gcc -static). */
#include "probe_common.h"
#include <elf.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

typedef long (*clock_gettime_fn)(long, struct timespec *);
typedef long (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);

static const char *const names[] = { "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
                                     "__vdso_clock_getres" };

static uint32_t elf_hash(const char *s)
{
    uint32_t h = 0, g;
    for (; *s; s++) { h = (h << 4) + (unsigned char)*s; g = h & 0xf0000000; if (g) h ^= g >> 24; h &= ~g; }
    return h;
}

/* musl's way: returns the symbol's address, or NULL; *version_ok tells whether it carries LINUX_2.6. */
static void *lookup(const char *name, int *is_function, int *version_ok)
{
    unsigned char *base = (unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (!base) return NULL;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
    size_t load = 0;
    Elf64_Dyn *dyn = NULL;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD) load = (size_t)base + ph[i].p_offset - ph[i].p_vaddr;
        else if (ph[i].p_type == PT_DYNAMIC) dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
    }
    if (!dyn || !load) return NULL;
    char *strings = NULL; Elf64_Sym *syms = NULL; Elf64_Word *hash = NULL; Elf64_Half *versym = NULL; Elf64_Verdef *verdef = NULL;
    for (; dyn->d_tag; dyn++) {
        switch (dyn->d_tag) {
        case DT_STRTAB: strings = (char *)(load + dyn->d_un.d_ptr); break;
        case DT_SYMTAB: syms = (Elf64_Sym *)(load + dyn->d_un.d_ptr); break;
        case DT_HASH: hash = (Elf64_Word *)(load + dyn->d_un.d_ptr); break;
        case DT_VERSYM: versym = (Elf64_Half *)(load + dyn->d_un.d_ptr); break;
        case DT_VERDEF: verdef = (Elf64_Verdef *)(load + dyn->d_un.d_ptr); break;
        }
    }
    if (!strings || !syms || !hash) return NULL;
    for (size_t i = 0; i < hash[1]; i++) {
        if (!syms[i].st_shndx || strcmp(name, strings + syms[i].st_name)) continue;
        *is_function = ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC
            && (ELF64_ST_BIND(syms[i].st_info) == STB_GLOBAL || ELF64_ST_BIND(syms[i].st_info) == STB_WEAK);
        *version_ok = 0;
        if (versym && verdef) {
            Elf64_Verdef *d = verdef;
            for (;;) {
                if (!(d->vd_flags & VER_FLG_BASE) && (d->vd_ndx & 0x7fff) == (versym[i] & 0x7fff)) {
                    Elf64_Verdaux *aux = (Elf64_Verdaux *)((char *)d + d->vd_aux);
                    *version_ok = !strcmp(strings + aux->vda_name, "LINUX_2.6") && d->vd_hash == elf_hash("LINUX_2.6");
                    break;
                }
                if (!d->vd_next) break;
                d = (Elf64_Verdef *)((char *)d + d->vd_next);
            }
        }
        return (void *)(load + syms[i].st_value);
    }
    return NULL;
}

static void *must(const char *name)
{
    int f, v;
    void *p = lookup(name, &f, &v);
    if (!p) { printf("%s missing\n", name); exit(1); }
    return p;
}

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int symbols_mode(void)
{
    printf("auxv_present=%d\n", getauxval(AT_SYSINFO_EHDR) != 0);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int f = 0, v = 0;
        void *p = lookup(names[i], &f, &v);
        printf("%s found=%d function=%d version=%d\n", names[i], p != NULL, f, v);
    }
    return 0;
}

static int clocks_mode(void)
{
    clock_gettime_fn cg = (clock_gettime_fn)must("__vdso_clock_gettime");
    gettimeofday_fn tod = (gettimeofday_fn)must("__vdso_gettimeofday");
    time_fn tm = (time_fn)must("__vdso_time");
    struct timespec settle = { 0, 200000000 };
    nanosleep(&settle, NULL);
    static const int ids[] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME };
    for (int c = 0; c < 3; c++) {
        int ordered = 1, returns = 1, agree = 1;
        int64_t last = 0;
        for (int i = 0; i < 20000; i++) {
            struct timespec a, s, b;
            returns &= cg(ids[c], &a) == 0;
            syscall(SYS_clock_gettime, ids[c], &s);
            returns &= cg(ids[c], &b) == 0;
            if (ids[c] != CLOCK_REALTIME) {
                ordered &= ns(a) <= ns(s) && ns(s) <= ns(b) && ns(a) >= last;
                last = ns(b);
            } else {
                /* REALTIME may step (settimeofday, NTP), so it is held to the order only within 0.1 ms */
                agree &= ns(a) <= ns(s) + 100000 && ns(s) <= ns(b) + 100000;
            }
            ordered &= a.tv_nsec >= 0 && a.tv_nsec < 1000000000;
        }
        printf("clock %d returns_zero=%d ordered=%d agrees=%d\n", ids[c], returns, ordered, agree);
    }
    struct timeval tv; struct timespec s;
    long r = tod(&tv, NULL);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &s);
    int64_t diff = ns(s) - ((int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000);
    printf("gettimeofday ret=%ld usec_in_range=%d agrees=%d\n", r, tv.tv_usec >= 0 && tv.tv_usec < 1000000, diff >= -1000000 && diff < 1000000);
    long t1 = syscall(SYS_time, NULL), t2 = tm(NULL), t3 = syscall(SYS_time, NULL);
    printf("time ordered=%d\n", t1 <= t2 && t2 <= t3);
    struct timespec l1, l2;
    clock_gettime(CLOCK_MONOTONIC, &l1);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &s);
    clock_gettime(CLOCK_MONOTONIC, &l2);
    printf("libc_clock_gettime ordered=%d\n", ns(l1) <= ns(s) && ns(s) <= ns(l2));
    return 0;
}

static int child_status(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) { body(); _exit(0); }
    int status;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 100 + WEXITSTATUS(status);
}

static clock_gettime_fn g_cg;
static gettimeofday_fn g_tod;
static time_fn g_time;
static long (*g_getcpu)(unsigned *, unsigned *, void *);
static clock_gettime_fn g_getres;
static void null_monotonic(void) { g_cg(CLOCK_MONOTONIC, NULL); }
static void null_realtime(void) { g_cg(CLOCK_REALTIME, NULL); }
static void bad_tv(void) { g_tod((struct timeval *)8, NULL); }
static void bad_tz(void) { struct timeval tv; g_tod(&tv, (void *)8); }
static void null_coarse(void) { g_cg(CLOCK_MONOTONIC_COARSE, NULL); }
static void null_raw(void) { g_cg(CLOCK_MONOTONIC_RAW, NULL); }
static void bad_time(void) { g_time((long *)8); }
static void bad_getcpu(void) { g_getcpu((unsigned *)8, NULL, NULL); }
static void bad_getres(void) { g_getres(CLOCK_MONOTONIC, (struct timespec *)8); }

static int faults_mode(void)
{
    g_cg = (clock_gettime_fn)must("__vdso_clock_gettime");
    g_tod = (gettimeofday_fn)must("__vdso_gettimeofday");
    g_time = (time_fn)must("__vdso_time");
    g_getcpu = (long (*)(unsigned *, unsigned *, void *))must("__vdso_getcpu");
    g_getres = (clock_gettime_fn)must("__vdso_clock_getres");
    printf("null_monotonic child=%d\n", child_status(null_monotonic));
    printf("bad_tz child=%d\n", child_status(bad_tz));
    printf("null_coarse child=%d\n", child_status(null_coarse));
    printf("null_raw child=%d\n", child_status(null_raw));
    printf("bad_time child=%d\n", child_status(bad_time));
    printf("bad_getcpu child=%d\n", child_status(bad_getcpu));
    printf("bad_getres child=%d\n", child_status(bad_getres));
    printf("getres_cputime_bad ret=%ld\n", g_getres(CLOCK_PROCESS_CPUTIME_ID, (struct timespec *)8));
    printf("getres_null ret=%ld\n", g_getres(CLOCK_MONOTONIC, NULL));
    printf("time_null positive=%d\n", g_time(NULL) > 0);
    unsigned cpu = 999, node = 999;
    long got = g_getcpu(&cpu, &node, NULL);
    printf("getcpu ret=%ld cpu_set=%d node=%u\n", got, cpu < 4096, node);
    printf("null_realtime child=%d\n", child_status(null_realtime));
    printf("bad_tv child=%d\n", child_status(bad_tv));
    struct timespec settle = { 0, 200000000 };
    nanosleep(&settle, NULL);
    printf("null_monotonic_later child=%d\n", child_status(null_monotonic));
    printf("cputime_null ret=%ld\n", g_cg(CLOCK_PROCESS_CPUTIME_ID, NULL));
    struct timespec ts;
    printf("bad_id ret=%ld\n", g_cg(100, &ts));
    printf("negative_id ret=%ld\n", g_cg(-1, &ts));
    printf("coarse ret=%ld\n", g_cg(CLOCK_MONOTONIC_COARSE, &ts));
    printf("tod_null_null ret=%ld\n", g_tod(NULL, NULL));
    struct timeval tv;
    struct timezone tz = { 77, 77 };
    printf("tod_tz ret=%ld\n", g_tod(&tv, &tz));
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "symbols")) return symbols_mode();
    if (!strcmp(mode, "clocks")) return clocks_mode();
    if (!strcmp(mode, "faults")) return faults_mode();
    if (!strcmp(mode, "dump")) {
        fwrite((void *)getauxval(AT_SYSINFO_EHDR), 1, 4096, stdout);
        return 0;
    }
    fprintf(stderr, "unknown mode\n");
    return 2;
}
