/* Loader fidelity (issue 11): the initial process state a loader hands over, checked against facts the program can
 * establish without /proc: AT_ENTRY is &_start, AT_PHDR/AT_PHENT/AT_PHNUM describe the program's own headers (found
 * through __ehdr_start), AT_BASE is the dynamic linker's load address (an ELF image dl_iterate_phdr also reports) or 0
 * for a static program, the identity entries match the get*id calls, and .bss is zero and writable.
 * Builds: musl-gcc -static, gcc -static-pie, gcc (dynamic, glibc), musl-gcc (dynamic, musl's loader). */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern char _start[];
extern const ElfW(Ehdr) __ehdr_start;
extern char **environ;

static char zeroes[1 << 16];

struct search { unsigned long base; int found; };

static int find_base(struct dl_phdr_info *info, size_t size, void *data)
{
    struct search *s = data;
    (void)size;
    if (info->dlpi_addr == s->base) s->found = 1;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long phdr = getauxval(AT_PHDR);
    const char *interp = NULL;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
    for (int i = 0; i < __ehdr_start.e_phnum; i++)
        if (ph[i].p_type == PT_INTERP) interp = (const char *)&__ehdr_start + ph[i].p_vaddr - (ph[0].p_type == PT_PHDR ? ph[0].p_vaddr - __ehdr_start.e_phoff : 0);

    printf("entry_is_start=%d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
    printf("phdr_is_own_headers=%d\n", phdr == (unsigned long)ph);
    printf("phent=%lu phnum_matches=%d\n", getauxval(AT_PHENT), getauxval(AT_PHNUM) == __ehdr_start.e_phnum);
    printf("pagesz=%lu clktck=%lu flags=%lu secure=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK), getauxval(AT_FLAGS), getauxval(AT_SECURE));
    printf("ids_match=%d\n", getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
    printf("platform=%s\n", (const char *)getauxval(AT_PLATFORM));
    printf("execfn_is_argv0=%d\n", strcmp((const char *)getauxval(AT_EXECFN), argv[0]) == 0);
    printf("random_present=%d hwcap_present=%d minsigstksz_present=%d\n", getauxval(AT_RANDOM) != 0, getauxval(AT_HWCAP) != 0, getauxval(AT_MINSIGSTKSZ) != 0);
    printf("envp_follows_argv=%d\n", environ == argv + argc + 1);

    unsigned long base = getauxval(AT_BASE);
    if (interp == NULL) {
        printf("static base=%lu\n", base);
    } else {
        const ElfW(Ehdr) *linker = (const ElfW(Ehdr) *)base;
        struct search s = { base, 0 };
        dl_iterate_phdr(find_base, &s);
        printf("dynamic interp=%s base_is_elf=%d base_is_loaded_object=%d\n", interp,
               base != 0 && memcmp(linker->e_ident, ELFMAG, SELFMAG) == 0, s.found);
    }

    int nonzero = 0;
    for (size_t i = 0; i < sizeof zeroes; i++) nonzero |= zeroes[i];
    zeroes[sizeof zeroes - 1] = 1;
    printf("bss_zero=%d bss_writable=%d\n", nonzero == 0, zeroes[sizeof zeroes - 1] == 1);
    return 0;
}
