using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Clocks and sleeping: clock_gettime/getres, gettimeofday, time, times, nanosleep, clock_nanosleep.</summary>
internal static class TimeSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Nanosleep, SupportLevel.Full, "", static (t, a) => Nanosleep(t, a[0], a[1]));
        b.Add(SyscallNumber.Alarm, SupportLevel.Partial, "a host alarm: the runner dies by SIGALRM, guest handlers do not run", static (t, a) => Syscall(SyscallNumber.Alarm, (long)a[0]));
        b.Add(SyscallNumber.Gettimeofday, SupportLevel.Full, "", static (t, a) => TimeOfDay(t, a[0], a[1]));
        b.Add(SyscallNumber.Times, SupportLevel.Full, "", static (t, a) => Times(t, a[0]));
        b.Add(SyscallNumber.Time, SupportLevel.Full, "", static (t, a) => Time(t, a[0]));
        b.Add(SyscallNumber.ClockGettime, SupportLevel.Full, "", static (t, a) => ClockCall(t, SyscallNumber.ClockGettime, a[0], a[1]));
        b.Add(SyscallNumber.ClockGetres, SupportLevel.Full, "", static (t, a) => ClockCall(t, SyscallNumber.ClockGetres, a[0], a[1]));
        b.Add(SyscallNumber.ClockNanosleep, SupportLevel.Partial, "relative sleeps only (the clock and flags are ignored)", static (t, a) => Nanosleep(t, a[2], a[3]));
    }

    private static long ClockCall(Task t, SyscallNumber nr, ulong clock, ulong outAddr)
    {
        byte[] ts = new byte[16];
        long r = HostSpanCall(nr, ts, 1, (long)clock);
        if (r < 0 || (nr == SyscallNumber.ClockGetres && outAddr == 0))
        {
            return r;
        }

        return t.CopyOut(outAddr, ts) < 0 ? Efault : r;
    }

    private static long TimeOfDay(Task t, ulong tvAddr, ulong tzAddr)
    {
        byte[] tv = new byte[16];
        byte[] tz = new byte[8];
        long r = HostSpanCall2(SyscallNumber.Gettimeofday, tv, 0, tz, 1);
        if (r < 0)
        {
            return r;
        }

        if ((tvAddr != 0 && t.CopyOut(tvAddr, tv) < 0) || (tzAddr != 0 && t.CopyOut(tzAddr, tz) < 0))
        {
            return Efault;
        }

        return r;
    }

    private static long Time(Task t, ulong outAddr)
    {
        long now = Syscall(SyscallNumber.Time);
        return outAddr != 0 && t.WriteU64(outAddr, (ulong)now) < 0 ? Efault : now;
    }

    private static long Times(Task t, ulong outAddr)
    {
        byte[] tms = new byte[32];
        long r = HostSpanCall(SyscallNumber.Times, tms, 0);
        return outAddr != 0 && t.CopyOut(outAddr, tms) < 0 ? Efault : r;
    }

    private static long Nanosleep(Task t, ulong requestAddr, ulong remainAddr)
    {
        byte[] request = new byte[16];
        if (t.CopyIn(requestAddr, request) < 0)
        {
            return Efault;
        }

        byte[] remain = new byte[16];
        long r = HostSpanCall2(SyscallNumber.Nanosleep, request, 0, remain, 1);
        if (r == -(long)LinuxError.EINTR && remainAddr != 0 && t.CopyOut(remainAddr, remain) < 0)
        {
            return Efault;
        }

        return r;
    }
}
