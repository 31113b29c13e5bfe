/* Loader fidelity (issue 11): first calls through the PLT of a dynamically linked glibc program go through ld.so's
 * lazy-binding trampoline, which saves and restores the argument registers (XMM included) with fxsave/xsave. Each
 * libm call below is the first through its PLT slot, with its argument in XMM0; a trampoline that loses XMM state
 * returns garbage. The fxsave/fxrstor round trip is checked directly as well.
 * Build: gcc -O1 -fno-builtin ... -lm (dynamic). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    volatile double x = atof(argc > 1 ? argv[1] : "3.7");
    printf("floor=%.3f\n", floor(x));
    printf("ceil=%.3f\n", ceil(x));
    printf("sqrt=%.6f\n", sqrt(x));
    printf("pow=%.6f\n", pow(x, 2.5));
    printf("exp=%.6f log=%.6f\n", exp(x), log(x));
    printf("atan2=%.6f hypot=%.6f\n", atan2(x, 1.5), hypot(x, 1.5));
    printf("lrint=%ld fmod=%.3f\n", lrint(x), fmod(x, 1.5));

    static double __attribute__((aligned(16))) area[64];
    double out = 0;
    __asm__ volatile("movsd %2, %%xmm0\n fxsave64 %1\n xorpd %%xmm0, %%xmm0\n fxrstor64 %1\n movsd %%xmm0, %0"
                     : "=m"(out), "+m"(area) : "m"(x) : "xmm0");
    printf("fxrstor_restores_xmm0=%d\n", out == x);
    return 0;
}
