/* Dies by SIGSEGV: a store to an unmapped address. */
#include <stdio.h>
int main(void)
{
    puts("before");
    fflush(stdout);
    *(volatile int *)16 = 1;
    puts("after");
    return 0;
}
