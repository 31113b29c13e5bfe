using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Clocks, sleeping and timers: clock_gettime/getres, gettimeofday, time, times, nanosleep,
/// clock_nanosleep, alarm, setitimer/getitimer, timer_create and friends. Sleeps wait through
/// <see cref="InterruptibleWait"/>; timers are the host's (ITIMER_REAL, POSIX timers), whose signals the runner
/// forwards to the guest like any other host signal.</summary>
internal static class TimeSyscalls
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int TimespecSize = 16;
    private const int IntervalSize = 32;
    private const int SigeventSize = 64;
    private const int SigeventSignalOffset = 8;
    private const int SigeventNotifyOffset = 12;
    private const int SigeventThreadIdOffset = 16;
    private const int NotifySignal = 0;
    private const int NotifyNone = 1;
    private const int NotifyThreadId = 4;
    private const ulong TimerAbsolute = 1;
    private const ulong IntervalTimerVirtual = 1; // ITIMER_VIRTUAL
    private const ulong IntervalTimerProfile = 2; // ITIMER_PROF

    /// <summary>Clocks a guest sleep waits on itself (interruptibly): REALTIME, MONOTONIC, BOOTTIME, the two
    /// _ALARM clocks and TAI. CPU-time clocks are slept on by the host.</summary>
    private static bool IsWallClock(long clock) => clock is 0 or 1 or 7 or 8 or 9 or 11;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Nanosleep, SupportLevel.Full, "", static (t, a) => ClockNanosleep(t, 1, 0, a[0], a[1], SyscallNumber.Nanosleep));
        b.Add(SyscallNumber.Alarm, SupportLevel.Full, "the host's alarm; its SIGALRM is forwarded", static (t, a) => Syscall(SyscallNumber.Alarm, (long)(uint)a[0]));
        b.Add(SyscallNumber.Setitimer, SupportLevel.Full, "the host's interval timers; their signals are forwarded", static (t, a) => SetInterval(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Getitimer, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.Getitimer, a[1], IntervalSize, (long)a[0]));
        b.Add(SyscallNumber.TimerCreate, SupportLevel.Partial, "host POSIX timers; SIGEV_THREAD_ID for a thread of the group (delivered to it); a signal the runner cannot forward travels as SIGRTMAX and is delivered as itself", static (t, a) => TimerCreate(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.TimerSettime, SupportLevel.Full, "", static (t, a) => TimerSet(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.TimerGettime, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.TimerGettime, a[1], IntervalSize, (long)a[0]));
        b.Add(SyscallNumber.TimerGetoverrun, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.TimerGetoverrun, (long)a[0]));
        b.Add(SyscallNumber.TimerDelete, SupportLevel.Full, "", static (t, a) => TimerDelete((long)a[0]));
        b.Add(SyscallNumber.Gettimeofday, SupportLevel.Full, "", static (t, a) => TimeOfDay(t, a[0], a[1]));
        b.Add(SyscallNumber.Times, SupportLevel.Full, "", static (t, a) => Times(t, a[0]));
        b.Add(SyscallNumber.Time, SupportLevel.Full, "", static (t, a) => Time(t, a[0]));
        b.Add(SyscallNumber.ClockGettime, SupportLevel.Full, "", static (t, a) => ClockCall(t, SyscallNumber.ClockGettime, a[0], a[1]));
        b.Add(SyscallNumber.ClockGetres, SupportLevel.Full, "", static (t, a) => ClockCall(t, SyscallNumber.ClockGetres, a[0], a[1]));
        b.Add(SyscallNumber.ClockNanosleep, SupportLevel.Full, "CPU-time clocks sleep on the host (not interruptible)", static (t, a) => ClockNanosleep(t, (long)(int)a[0], a[1], a[2], a[3], SyscallNumber.ClockNanosleep));
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

    /// <summary>Copies a timespec in and checks it (seconds not negative, nanoseconds below one second).</summary>
    /// <param name="t">The task.</param>
    /// <param name="address">The guest pointer.</param>
    /// <param name="nanoseconds">The value in nanoseconds (saturated).</param>
    /// <returns>0, -EFAULT or -EINVAL.</returns>
    internal static long ReadTimespec(Task t, ulong address, out long nanoseconds)
    {
        nanoseconds = 0;
        byte[] raw = new byte[TimespecSize];
        if (t.CopyIn(address, raw) < 0)
        {
            return Efault;
        }

        long seconds = BitConverter.ToInt64(raw, 0);
        long nanos = BitConverter.ToInt64(raw, 8);
        if (seconds < 0 || nanos < 0 || nanos >= NanosecondsPerSecond)
        {
            return Einval;
        }

        nanoseconds = seconds >= long.MaxValue / NanosecondsPerSecond ? long.MaxValue : (seconds * NanosecondsPerSecond) + nanos;
        return 0;
    }

    /// <summary>The host's reading of <paramref name="clock"/> in nanoseconds, or a negative errno.</summary>
    /// <param name="clock">The clock id.</param>
    /// <returns>Nanoseconds or -errno.</returns>
    internal static long ClockNow(long clock)
    {
        Span<byte> ts = stackalloc byte[TimespecSize];
        long r = HostSpanCall(SyscallNumber.ClockGettime, ts, 1, clock);
        return r < 0 ? r : (BinaryPrimitives.ReadInt64LittleEndian(ts) * NanosecondsPerSecond) + BinaryPrimitives.ReadInt64LittleEndian(ts[sizeof(long)..]);
    }

    /// <summary>nanosleep and clock_nanosleep: the clock is checked by the host (EINVAL, EOPNOTSUPP), the request by
    /// Linux's rules; the sleep ends early for a deliverable signal, writing the time left of a relative sleep.</summary>
    private static long ClockNanosleep(Task t, long clock, ulong flags, ulong requestAddr, ulong remainAddr, SyscallNumber nr)
    {
        if (nr == SyscallNumber.ClockNanosleep)
        {
            byte[] zero = new byte[TimespecSize];
            long check = HostSpanCall(SyscallNumber.ClockNanosleep, zero, 2, clock, (long)TimerAbsolute, 0, 0);
            if (check < 0)
            {
                return check;
            }
        }

        long r = ReadTimespec(t, requestAddr, out long requested);
        if (r < 0)
        {
            return r;
        }

        bool absolute = (flags & TimerAbsolute) != 0;
        if (!IsWallClock(clock))
        {
            byte[] request = new byte[TimespecSize];
            byte[] remain = new byte[TimespecSize];
            _ = t.CopyIn(requestAddr, request);
            r = HostSpanCall2(SyscallNumber.ClockNanosleep, request, 2, remain, 3, clock, (long)flags, 0, 0);
            return r == -(long)LinuxError.EINTR && remainAddr != 0 && !absolute && t.CopyOut(remainAddr, remain) < 0 ? Efault : r;
        }

        long duration = requested;
        if (absolute)
        {
            long now = ClockNow(clock);
            duration = now < 0 ? 0 : Math.Max(0, requested - now);
        }

        long started = InterruptibleWait.Now();
        if (!InterruptibleWait.Sleep(t, duration))
        {
            return 0;
        }

        if (!absolute && remainAddr != 0)
        {
            long left = Math.Max(0, duration - (InterruptibleWait.Now() - started));
            byte[] remain = new byte[TimespecSize];
            BitConverter.TryWriteBytes(remain.AsSpan(0), left / NanosecondsPerSecond);
            BitConverter.TryWriteBytes(remain.AsSpan(8), left % NanosecondsPerSecond);
            if (t.CopyOut(remainAddr, remain) < 0)
            {
                return Efault;
            }
        }

        return RestartCode.RestartBlock;
    }

    private static long SetInterval(Task t, ulong which, ulong newAddr, ulong oldAddr)
    {
        byte[] value = new byte[IntervalSize];
        if (newAddr != 0 && t.CopyIn(newAddr, value) < 0)
        {
            return Efault;
        }

        byte[] old = new byte[IntervalSize];
        if (which is IntervalTimerProfile or IntervalTimerVirtual)
        {
            CpuTimeSampler.Restart(t.Group, userTimeOnly: which == IntervalTimerVirtual);
        }

        long r = HostSpanCall2(SyscallNumber.Setitimer, value, 1, old, 2, (long)which);
        HostSignalForwarding.Settle(queued: true); // an expiry from before the change is pending before this returns
        return r == 0 && oldAddr != 0 && t.CopyOut(oldAddr, old) < 0 ? Efault : r;
    }

    /// <summary>timer_create: a host POSIX timer (its id is the guest's); its signal reaches the guest through the
    /// host forwarding, a signal the host cannot forward in the guise of <see cref="ThreadTimerTargets.CarrierSignal"/>. A <c>SIGEV_THREAD_ID</c> timer notifies the runner
    /// process and its signal is then aimed at the named thread (<see cref="ThreadTimerTargets"/>).</summary>
    private static long TimerCreate(Task t, ulong clock, ulong eventAddr, ulong idAddr)
    {
        byte[] sigevent = new byte[SigeventSize];
        int targetTid = 0;
        int carried = 0;
        if (eventAddr != 0)
        {
            if (t.CopyIn(eventAddr, sigevent) < 0)
            {
                return Efault;
            }

            int notify = BitConverter.ToInt32(sigevent, SigeventNotifyOffset);
            int signal = BitConverter.ToInt32(sigevent, SigeventSignalOffset);
            if (notify == NotifyThreadId)
            {
                targetTid = BitConverter.ToInt32(sigevent, SigeventThreadIdOffset);
                if (t.Group.FindTask(targetTid) is null)
                {
                    return Einval;
                }

                BitConverter.TryWriteBytes(sigevent.AsSpan(SigeventNotifyOffset), NotifySignal);
                notify = NotifySignal;
            }

            if (notify != NotifyNone && (signal < 1 || signal > SignalNumber.SIGRTMAX))
            {
                return Einval;
            }

            if (notify != NotifyNone && (targetTid != 0 || (HostSignalForwarding.Forwarded & SignalNumber.Bit(signal)) == 0))
            {
                // A signal the host cannot forward (glibc's SIGRTMIN, which the runtime keeps; its SIGTIMER behind
                // SIGEV_THREAD; SIGSEGV...): the host timer raises the carrier, which the forwarding turns back into
                // this signal (its siginfo, value and overrun are the timer's). A thread's own timer travels as the
                // carrier too: a real-time signal queues once per timer, where two pending SIGPROFs in the runner's
                // one process-wide set would be one (on Linux each thread's timer signal is pending on that thread).
                carried = signal;
                BitConverter.TryWriteBytes(sigevent.AsSpan(SigeventSignalOffset), ThreadTimerTargets.CarrierSignal);
            }
        }

        byte[] id = new byte[sizeof(int)];
        long r = eventAddr != 0
            ? HostSpanCall2(SyscallNumber.TimerCreate, sigevent, 1, id, 2, (long)clock)
            : HostSpanCall(SyscallNumber.TimerCreate, id, 2, (long)clock, 0);
        if (r < 0)
        {
            return r;
        }

        if (t.CopyOut(idAddr, id) < 0)
        {
            _ = Syscall(SyscallNumber.TimerDelete, BitConverter.ToInt32(id, 0));
            return Efault;
        }

        ThreadTimerTargets.Created(BitConverter.ToInt32(id, 0), targetTid, CpuTimeSampler.IsProcessCpuClock((long)clock), carried);
        return 0;
    }

    private static long TimerDelete(long id)
    {
        long r = Syscall(SyscallNumber.TimerDelete, id);
        if (r == 0)
        {
            ThreadTimerTargets.Deleted((int)id);
        }

        return r;
    }

    private static long TimerSet(Task t, ulong id, ulong flags, ulong newAddr, ulong oldAddr)
    {
        byte[] value = new byte[IntervalSize];
        if (t.CopyIn(newAddr, value) < 0)
        {
            return Efault;
        }

        byte[] old = new byte[IntervalSize];
        if (ThreadTimerTargets.FollowsCpuTime((int)id))
        {
            CpuTimeSampler.Restart(t.Group, userTimeOnly: false);
        }

        long r = HostSpanCall2(SyscallNumber.TimerSettime, value, 2, old, 3, (long)id, (long)flags);
        HostSignalForwarding.Settle(queued: true); // as for setitimer
        return r == 0 && oldAddr != 0 && t.CopyOut(oldAddr, old) < 0 ? Efault : r;
    }
}
