#include <stdio.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
static int64_t ns(struct timespec t){return (int64_t)t.tv_sec*1000000000+t.tv_nsec;}
int main(){ struct timespec d={0,200000000}; nanosleep(&d,0);
 int ids[]={1,7,0};
 for(int round=0; round<3; round++){
 for(int c=0;c<3;c++){ int64_t worst_ahead=-1e18, worst_behind=-1e18; int64_t last=0, back=0;
  for(int i=0;i<20000;i++){ struct timespec a,s,b; clock_gettime(ids[c],&a); syscall(SYS_clock_gettime,ids[c],&s); clock_gettime(ids[c],&b);
   if(ns(a)-ns(s)>worst_ahead) worst_ahead=ns(a)-ns(s); if(ns(s)-ns(b)>worst_behind) worst_behind=ns(s)-ns(b); if(ns(a)<last && last-ns(a)>back) back=last-ns(a); last=ns(b);}
  printf("round %d clock %d vdso_ahead_of_syscall_max=%lld syscall_ahead_of_vdso_max=%lld back=%lld\n",round,ids[c],(long long)worst_ahead,(long long)worst_behind,(long long)back);} 
 struct timespec e={1,200000000}; nanosleep(&e,0);}
}
