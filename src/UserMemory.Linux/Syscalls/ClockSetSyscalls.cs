using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// Setting and steering the system clocks: <c>clock_settime</c>, <c>settimeofday</c>, <c>adjtimex</c> and
/// <c>clock_adjtime</c>. The system clock is the host's, shared by everything on it, so a guest never changes it: each
/// call makes Linux's own checks in Linux's order (the clock, the pointers, the values) and then answers as Linux
/// answers a process without <c>CAP_SYS_TIME</c>, EPERM. A request that only reads (<c>adjtimex</c> with no mode,
/// or the read-only single-shot offset) is the host's answer.
/// </summary>
internal static class ClockSetSyscalls
{
    private const int TimespecSize = 16;
    private const int TimevalSize = 16;
    private const int TimezoneSize = 8;

    /// <summary><c>struct __kernel_timex</c> on x86-64.</summary>
    private const int TimexSize = 208;

    private const long NanosecondsPerSecond = 1_000_000_000;
    private const long MicrosecondsPerSecond = 1_000_000;

    /// <summary>TIME_SETTOD_SEC_MAX: KTIME_SEC_MAX less 30 years of uptime; a time of day at or past it is EINVAL.</summary>
    private const long SetTimeOfDaySecondsLimit = 9_223_372_036L - 946_080_000L;

    private const int ClockRealtime = 0;

    /// <summary>CLOCK_SGI_CYCLE: a number without a clock.</summary>
    private const int ClockSgiCycle = 10;

    /// <summary>CLOCK_TAI, the last clock Linux numbers below <see cref="MaxClocks"/>.</summary>
    private const int ClockTai = 11;

    /// <summary>MAX_CLOCKS: numbers from here up name no clock.</summary>
    private const int MaxClocks = 16;

    /// <summary>CLOCKFD in the low bits of a negative id: a dynamic clock named by a descriptor (otherwise a CPU-time
    /// clock of a pid).</summary>
    private const int ClockIdTypeMask = 7;
    private const int ClockIdDynamic = 3;

    /// <summary><c>struct timex</c> <c>modes</c> bits that decide whether a request changes anything.</summary>
    private const uint AdjustOffsetSingleShot = 0x0001;
    private const uint AdjustSetOffset = 0x0100;
    private const uint AdjustOffsetReadOnly = 0x2000;
    private const uint AdjustAdjtime = 0x8000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.ClockSettime, SupportLevel.Partial, "Linux's checks, then EPERM: a guest never sets the host's clock", static (t, a) => ClockSettime(t, (int)a[0], a[1]));
        b.Add(SyscallNumber.Settimeofday, SupportLevel.Partial, "Linux's checks, then EPERM: a guest never sets the host's clock or time zone", static (t, a) => Settimeofday(t, a[0], a[1]));
        b.Add(SyscallNumber.Adjtimex, SupportLevel.Partial, "reads are the host's; a change is EPERM after Linux's checks", static (t, a) => Adjtimex(t, a[0]));
        b.Add(SyscallNumber.ClockAdjtime, SupportLevel.Partial, "CLOCK_REALTIME as adjtimex; other clocks as Linux (EOPNOTSUPP, EINVAL)", static (t, a) => ClockAdjtime(t, (int)a[0], a[1]));
    }

    private static bool IsDynamic(int clock) => clock < 0 && (clock & ClockIdTypeMask) == ClockIdDynamic;

    /// <summary>Whether Linux has a clock under a non-negative number (posix_clocks[]).</summary>
    private static bool IsNumberedClock(int clock) => clock is >= 0 and < MaxClocks and not ClockSgiCycle and <= ClockTai;

    private static long ClockSettime(Task t, int clock, ulong timeAddr)
    {
        // Only REALTIME and the clocks named by negative ids have a clock_set; the others are EINVAL before the time
        // is read.
        if (clock >= 0 && clock != ClockRealtime)
        {
            return Einval;
        }

        byte[] ts = new byte[TimespecSize];
        if (t.CopyIn(timeAddr, ts) < 0)
        {
            return Efault;
        }

        if (IsDynamic(clock))
        {
            return Einval; // no descriptor of the guest is a posix clock device
        }

        if (clock < 0)
        {
            // A CPU-time clock: EINVAL for a bad one (the host checks the pid and kind as clock_getres does), else EPERM
            // (nobody may set one).
            long valid = HostSpanCall(SyscallNumber.ClockGetres, new byte[TimespecSize], 1, clock);
            return valid < 0 ? valid : Errno(LinuxError.EPERM);
        }

        long seconds = BinaryPrimitives.ReadInt64LittleEndian(ts);
        long nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(ts.AsSpan(sizeof(long)));
        return IsValidTimeOfDay(seconds, nanoseconds) ? Errno(LinuxError.EPERM) : Einval;
    }

    /// <summary>timespec64_valid_settod.</summary>
    private static bool IsValidTimeOfDay(long seconds, long nanoseconds) =>
        seconds >= 0 && (ulong)nanoseconds < NanosecondsPerSecond && seconds < SetTimeOfDaySecondsLimit;

    private static long Settimeofday(Task t, ulong timeAddr, ulong zoneAddr)
    {
        long seconds = 0;
        long microseconds = 0;
        if (timeAddr != 0)
        {
            byte[] tv = new byte[TimevalSize];
            if (t.CopyIn(timeAddr, tv) < 0)
            {
                return Efault;
            }

            seconds = BinaryPrimitives.ReadInt64LittleEndian(tv);
            microseconds = BinaryPrimitives.ReadInt64LittleEndian(tv.AsSpan(sizeof(long)));
            if (microseconds < 0 || microseconds >= MicrosecondsPerSecond)
            {
                return Einval;
            }
        }

        if (zoneAddr != 0 && t.CopyIn(zoneAddr, new byte[TimezoneSize]) < 0)
        {
            return Efault;
        }

        if (timeAddr != 0 && !IsValidTimeOfDay(seconds, microseconds * (NanosecondsPerSecond / MicrosecondsPerSecond)))
        {
            return Einval;
        }

        return Errno(LinuxError.EPERM); // the time zone's range is checked only after the capability
    }

    private static long Adjtimex(Task t, ulong timexAddr)
    {
        byte[] timex = new byte[TimexSize];
        return t.CopyIn(timexAddr, timex) < 0 ? Efault : AdjustRealtime(t, timexAddr, timex, SyscallNumber.Adjtimex);
    }

    private static long ClockAdjtime(Task t, int clock, ulong timexAddr)
    {
        byte[] timex = new byte[TimexSize];
        if (t.CopyIn(timexAddr, timex) < 0)
        {
            return Efault;
        }

        if (clock == ClockRealtime)
        {
            return AdjustRealtime(t, timexAddr, timex, SyscallNumber.ClockAdjtime);
        }

        // Only REALTIME and dynamic clocks have a clock_adj; other clocks Linux has are EOPNOTSUPP.
        return IsDynamic(clock) || (clock >= 0 && !IsNumberedClock(clock)) ? Einval : Errno(LinuxError.EOPNOTSUPP);
    }

    /// <summary>timekeeping_validate_timex's checks for a caller without CAP_SYS_TIME; a request that passes them only
    /// reads, and goes to the host.</summary>
    private static long AdjustRealtime(Task t, ulong timexAddr, byte[] timex, SyscallNumber nr)
    {
        uint modes = BinaryPrimitives.ReadUInt32LittleEndian(timex);
        if ((modes & AdjustAdjtime) != 0)
        {
            if ((modes & AdjustOffsetSingleShot) == 0)
            {
                return Einval;
            }

            if ((modes & AdjustOffsetReadOnly) == 0 || (modes & AdjustSetOffset) != 0)
            {
                return Errno(LinuxError.EPERM);
            }
        }
        else if (modes != 0)
        {
            return Errno(LinuxError.EPERM);
        }

        long r = nr == SyscallNumber.ClockAdjtime
            ? HostSpanCall(nr, timex, 1, ClockRealtime)
            : HostSpanCall(nr, timex, 0);
        return r < 0 ? r : (t.CopyOut(timexAddr, timex) < 0 ? Efault : r);
    }
}
