#include <stdio.h>
#include <time.h>
int main(){struct timespec t; long s=0; for(int i=0;i<200000;i++){clock_gettime(CLOCK_MONOTONIC,&t); s+=t.tv_nsec&1;} printf("%ld\n", s>=0);}
