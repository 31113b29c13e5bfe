using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The scheduler's per-task settings, answered by the host for the runner thread that runs the task: CPU affinity
/// (<c>sched_getaffinity</c>/<c>sched_setaffinity</c>), policy and priority (<c>sched_getscheduler</c>,
/// <c>sched_getparam</c>, <c>sched_setscheduler</c>, <c>sched_setparam</c>, the priority range,
/// <c>sched_rr_get_interval</c>) and <c>getcpu</c>. A pid names the caller (0, its tid or its pid) or another process
/// of the sandbox; any other pid does not exist (ESRCH), a negative one is EINVAL, as on Linux.
/// </summary>
internal static class SchedulerSyscalls
{
    /// <summary>The largest CPU mask copied (8192 CPUs).</summary>
    private const int MaxMaskBytes = 1024;

    private const int MaskWordSize = sizeof(ulong);
    private const int ParamSize = sizeof(int);
    private const int TimespecSize = 16;
    private const int CpuNumberSize = sizeof(uint);

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.SchedGetaffinity, SupportLevel.Full, "the runner thread's host affinity", static (t, a) => GetAffinity(t, (long)a[0], a[1], a[2]));
        b.Add(SyscallNumber.SchedSetaffinity, SupportLevel.Full, "the runner thread's host affinity", static (t, a) => SetAffinity(t, (long)a[0], a[1], a[2]));
        b.Add(SyscallNumber.SchedGetscheduler, SupportLevel.Full, "", static (t, a) => OnTarget(t, (long)a[0], static h => Syscall(SyscallNumber.SchedGetscheduler, h)));
        b.Add(SyscallNumber.SchedGetparam, SupportLevel.Full, "", static (t, a) => GetParam(t, (long)a[0], a[1]));
        b.Add(SyscallNumber.SchedSetparam, SupportLevel.Full, "", static (t, a) => SetScheduler(t, SyscallNumber.SchedSetparam, (long)a[0], 0, a[1]));
        b.Add(SyscallNumber.SchedSetscheduler, SupportLevel.Full, "", static (t, a) => SetScheduler(t, SyscallNumber.SchedSetscheduler, (long)a[0], (long)a[1], a[2]));
        b.Add(SyscallNumber.SchedGetPriorityMax, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.SchedGetPriorityMax, (int)a[0]));
        b.Add(SyscallNumber.SchedGetPriorityMin, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.SchedGetPriorityMin, (int)a[0]));
        b.Add(SyscallNumber.SchedRrGetInterval, SupportLevel.Full, "", static (t, a) => RoundRobinInterval(t, (long)a[0], a[1]));
        b.Add(SyscallNumber.Getcpu, SupportLevel.Full, "", static (t, a) => GetCpu(t, a[0], a[1]));
    }

    /// <summary>The host pid for a guest pid: 0 for the caller, a sandbox member's own pid, or -errno (a negative
    /// pid is EINVAL, except for the affinity calls, which look it up and find nothing: ESRCH).</summary>
    private static long HostTarget(Task t, long pid, bool negativeInvalid = true)
    {
        int p = (int)pid;
        if (p < 0)
        {
            return negativeInvalid ? Einval : -(long)LinuxError.ESRCH;
        }

        return p == 0 || p == t.Tid || p == t.Group.Pid ? 0 : SandboxTable.Contains(p) ? p : -(long)LinuxError.ESRCH;
    }

    private static long OnTarget(Task t, long pid, Func<long, long> call)
    {
        long host = HostTarget(t, pid);
        return host < 0 ? host : call(host);
    }

    private static long GetAffinity(Task t, long pid, ulong size, ulong maskAddr)
    {
        if (size < MaskWordSize || (size & (MaskWordSize - 1)) != 0)
        {
            return Einval;
        }

        long host = HostTarget(t, pid, negativeInvalid: false);
        if (host < 0)
        {
            return host;
        }

        byte[] mask = new byte[Math.Min(size, MaxMaskBytes)];
        long r = HostSpanCall(SyscallNumber.SchedGetaffinity, mask, 2, host, mask.Length);
        return r < 0 ? r : (t.CopyOut(maskAddr, mask.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private static long SetAffinity(Task t, long pid, ulong size, ulong maskAddr)
    {
        byte[] mask = new byte[Math.Min(size, MaxMaskBytes)];
        if (t.CopyIn(maskAddr, mask) < 0)
        {
            return Efault;
        }

        long host = HostTarget(t, pid, negativeInvalid: false);
        return host < 0 ? host : HostSpanCall(SyscallNumber.SchedSetaffinity, mask, 2, host, mask.Length);
    }

    private static long GetParam(Task t, long pid, ulong paramAddr)
    {
        if (paramAddr == 0)
        {
            return Einval;
        }

        long host = HostTarget(t, pid);
        if (host < 0)
        {
            return host;
        }

        byte[] param = new byte[ParamSize];
        long r = HostSpanCall(SyscallNumber.SchedGetparam, param, 1, host);
        return r < 0 ? r : (t.CopyOut(paramAddr, param) < 0 ? Efault : r);
    }

    private static long SetScheduler(Task t, SyscallNumber nr, long pid, long policy, ulong paramAddr)
    {
        if (paramAddr == 0 || pid < 0 || (nr == SyscallNumber.SchedSetscheduler && (int)policy < 0))
        {
            return Einval;
        }

        byte[] param = new byte[ParamSize];
        if (t.CopyIn(paramAddr, param) < 0)
        {
            return Efault;
        }

        long host = HostTarget(t, pid);
        if (host < 0)
        {
            return host;
        }

        return nr == SyscallNumber.SchedSetscheduler
            ? HostSpanCall(nr, param, 2, host, (int)policy)
            : HostSpanCall(nr, param, 1, host);
    }

    private static long RoundRobinInterval(Task t, long pid, ulong timespecAddr)
    {
        long host = HostTarget(t, pid);
        if (host < 0)
        {
            return host;
        }

        byte[] interval = new byte[TimespecSize];
        long r = HostSpanCall(SyscallNumber.SchedRrGetInterval, interval, 1, host);
        return r < 0 ? r : (t.CopyOut(timespecAddr, interval) < 0 ? Efault : r);
    }

    private static long GetCpu(Task t, ulong cpuAddr, ulong nodeAddr)
    {
        byte[] cpu = new byte[CpuNumberSize];
        byte[] node = new byte[CpuNumberSize];
        long r = HostSpanCall2(SyscallNumber.Getcpu, cpu, 0, node, 1);
        if (r < 0)
        {
            return r;
        }

        return (cpuAddr != 0 && t.CopyOut(cpuAddr, cpu) < 0) || (nodeAddr != 0 && t.CopyOut(nodeAddr, node) < 0) ? Efault : r;
    }
}
