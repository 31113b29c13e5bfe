/* Dies by SIGSEGV: a store to a read-only mapping (a protection fault, not an unmapped page). */
#include "probe_common.h"
int main(void)
{
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    puts("mapped");
    fflush(stdout);
    ro[1] = 1;
    puts("after");
    return 0;
}
