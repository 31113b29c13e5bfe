using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// stress-ng's <c>--sysbadaddr</c> stressor made an oracle: tests/probes/bad_addresses.c gives about 100 system calls
/// every kind of bad address (NULL, unaligned, read-only page and data, a byte before a hole, unmapped, PROT_NONE, the
/// top of the address space, kernel, non-canonical) and prints each result; the runner must print what Linux prints.
/// Each case names the calls the runner once answered differently, then every call that agreed from the start.
/// </summary>
public sealed class BadAddressTests
{
    /// <summary>The calls that do not agree yet: sched_getattr is ENOSYS; rt_sigqueueinfo does not check the
    /// unused tail of the siginfo (E2BIG); a shared FUTEX_WAKE on a never-touched read-only page is not EFAULT;
    /// MAP_FIXED_NOREPLACE at NULL and at the top of memory answer a non-root's errors.</summary>
    private const string NotYet = "sched_getattr,sigqueueinfo,futex_wake_shared,mmap_fixed_noreplace";

    private const string Agreeing =
        "access,clock_gettime,clock_getres,clock_nanosleep,getcwd,getrandom,getresgid,getresuid,getgroups,prlimit_old,"
        + "getrusage,gettimeofday,getxattr,lgetxattr_value,ioctl_fionread,ioctl_tcgets,mincore_vec,nanosleep,open,openat,"
        + "pipe,pipe2,poll,read,pread,readv,preadv,writev_null,write_null,write_pipe,select,pselect,stat,stat_path,lstat,"
        + "fstat,newfstatat,statx,statfs,fstatfs,sysinfo,time,timer_create,times,uname,utime,utimes,wait4,"
        + "sched_getaffinity,sched_getparam,sched_rr,sigprocmask,sigpending,sigaction,sigaltstack,sigtimedwait,"
        + "sigsuspend_size,getitimer,setitimer,readlink,readlink_path,getdents,socketpair,bind,connect,getsockopt,"
        + "setsockopt,sendto,recvfrom,epoll_ctl,epoll_wait,futex_wait,futex_timeout,get_robust_list,capget,prctl_get_name,"
        + "arch_prctl_get_fs,process_vm_readv,inotify_add_watch,timerfd_settime,timerfd_gettime,signalfd,getcpu,chdir,"
        + "set_robust_list,mprotect,madvise,msync,mincore_addr,mremap";

    /// <param name="build">musl or glibc (static).</param>
    /// <param name="calls">The calls to make (comma-separated).</param>
    [ProbeTheory]
    // execve looks the program up before it reads argv (ENOENT, ENAMETOOLONG, not EFAULT)
    [InlineData("musl", "execve")]
    // getrlimit and setrlimit always copy (NULL is EFAULT); getsockname always reads the length
    [InlineData("musl", "getrlimit,getsockname")]
    // utimensat(AT_FDCWD, NULL) reads NULL as a path (EFAULT); waitid stores the siginfo even when it fails
    [InlineData("musl", "utimensat,waitid")]
    // sendmsg cuts a long name length; recvmsg checks a negative one before the vector
    [InlineData("musl", "sendmsg,recvmsg")]
    // FUTEX_WAKE on a kernel address is EFAULT; munmap(NULL) succeeds; mlock of a wrapping range is EINVAL
    [InlineData("musl", "futex_wake,munmap,mlock")]
    [InlineData("musl", Agreeing)]
    [InlineData("glibc", "execve,getrlimit,getsockname,utimensat,waitid,sendmsg,recvmsg,futex_wake,munmap,mlock," + Agreeing)]
    public void A_bad_address_gets_what_Linux_answers(string build, string calls)
    {
        Assert.DoesNotContain(NotYet.Split(','), name => Array.IndexOf(calls.Split(','), name) >= 0);
        string probe = build == "musl" ? Probes.Get("bad_addresses") : Probes.GetGlibcStatic("bad_addresses");
        Differential.AssertSameAsNative(probe, [calls]);
    }
}
