using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Syscalls;

/// <summary>How a poll or select timeout is laid out in guest memory.</summary>
internal enum PollTimeoutFormat
{
    /// <summary>select's <c>struct timeval</c>: seconds and microseconds.</summary>
    Timeval,

    /// <summary>ppoll's and pselect6's <c>struct timespec</c>: seconds and nanoseconds.</summary>
    Timespec,
}

/// <summary>
/// The timeout of poll, ppoll, select or pselect6 as Linux keeps it (<c>poll_select_set_timeout</c> and
/// <c>poll_select_finish</c>): read and checked before the signal mask and the descriptors, so its EFAULT or EINVAL
/// comes first; kept as seconds and nanoseconds, so a huge timeout's time left is exact; and, for the calls that take
/// a pointer, the time left written back when the call ends, whatever its result, unless the timeout was zero. A
/// write-back that faults is ignored, but a call it leaves unchanged can no longer be restarted: an interrupted wait
/// then answers EINTR.
/// </summary>
internal readonly struct PollTimeout
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const long NanosecondsPerMicrosecond = 1_000;
    private const long NanosecondsPerMillisecond = 1_000_000;
    private const long MillisecondsPerSecond = 1_000;
    private const long MicrosecondsPerSecond = 1_000_000;
    private const int Size = 2 * sizeof(long);

    private readonly long seconds;
    private readonly long nanoseconds;
    private readonly long started;

    private PollTimeout(long seconds, long nanoseconds)
    {
        this.seconds = seconds;
        this.nanoseconds = nanoseconds;
        started = InterruptibleWait.Now();
    }

    /// <summary>No timeout: wait until ready or interrupted.</summary>
    internal static PollTimeout Infinite => new(-1, 0);

    /// <summary>The wait in nanoseconds for <see cref="InterruptibleWait"/>: -1 for none, saturated at
    /// <see cref="long.MaxValue"/>.</summary>
    internal long WaitNanoseconds => seconds < 0 ? -1
        : seconds >= long.MaxValue / NanosecondsPerSecond ? long.MaxValue
        : (seconds * NanosecondsPerSecond) + nanoseconds;

    /// <summary>True for a timeout of zero, which Linux never writes back.</summary>
    private bool IsZero => seconds == 0 && nanoseconds == 0;

    /// <summary>poll's <c>int</c> milliseconds: negative waits for ever.</summary>
    /// <param name="milliseconds">The guest's argument.</param>
    /// <returns>The timeout.</returns>
    internal static PollTimeout FromMilliseconds(int milliseconds) => milliseconds < 0
        ? Infinite
        : new(milliseconds / MillisecondsPerSecond, milliseconds % MillisecondsPerSecond * NanosecondsPerMillisecond);

    /// <summary>Reads a guest timeval or timespec. A null pointer is no timeout. A timeval's microseconds are carried
    /// into seconds first (C division, so -1 000 000 µs is one second less and -1 µs stays invalid, and the seconds
    /// wrap as Linux's do); the result must then have non-negative seconds and nanoseconds below a second.</summary>
    /// <param name="t">The task.</param>
    /// <param name="address">The guest pointer, or 0.</param>
    /// <param name="format">The layout.</param>
    /// <param name="timeout">The timeout read.</param>
    /// <returns>0, -EFAULT or -EINVAL.</returns>
    internal static long Read(Task t, ulong address, PollTimeoutFormat format, out PollTimeout timeout)
    {
        timeout = Infinite;
        if (address == 0)
        {
            return 0;
        }

        Span<byte> raw = stackalloc byte[Size];
        if (t.CopyIn(address, raw) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        long s = BinaryPrimitives.ReadInt64LittleEndian(raw);
        long fraction = BinaryPrimitives.ReadInt64LittleEndian(raw[sizeof(long)..]);
        long ns = fraction;
        if (format == PollTimeoutFormat.Timeval)
        {
            s = unchecked(s + (fraction / MicrosecondsPerSecond));
            ns = fraction % MicrosecondsPerSecond * NanosecondsPerMicrosecond;
        }

        if (s < 0 || ns < 0 || ns >= NanosecondsPerSecond)
        {
            return -(long)LinuxError.EINVAL;
        }

        timeout = new PollTimeout(s, ns);
        return 0;
    }

    /// <summary>Ends the call: writes the time left to <paramref name="address"/> unless it is 0 or the timeout was
    /// zero or infinite. Call it after <see cref="TemporaryMask.Finish"/>, which must see the wait's own result.</summary>
    /// <param name="t">The task.</param>
    /// <param name="address">Where the timeout was read from, or 0.</param>
    /// <param name="format">The layout.</param>
    /// <param name="result">The call's result.</param>
    /// <returns><paramref name="result"/>, or -EINTR for an interrupted wait whose timeout could not be written.</returns>
    internal long WriteBack(Task t, ulong address, PollTimeoutFormat format, long result)
    {
        if (address == 0 || seconds < 0 || IsZero)
        {
            return result;
        }

        long elapsed = Math.Max(0, InterruptibleWait.Now() - started);
        long leftSeconds = seconds - (elapsed / NanosecondsPerSecond);
        long leftNanoseconds = nanoseconds - (elapsed % NanosecondsPerSecond);
        if (leftNanoseconds < 0)
        {
            leftNanoseconds += NanosecondsPerSecond;
            leftSeconds--;
        }

        if (leftSeconds < 0)
        {
            leftSeconds = 0;
            leftNanoseconds = 0;
        }

        Span<byte> raw = stackalloc byte[Size];
        BinaryPrimitives.WriteInt64LittleEndian(raw, leftSeconds);
        BinaryPrimitives.WriteInt64LittleEndian(raw[sizeof(long)..], format == PollTimeoutFormat.Timeval ? leftNanoseconds / NanosecondsPerMicrosecond : leftNanoseconds);
        return t.CopyOut(address, raw) < 0 && result == RestartCode.RestartNoHandler ? -(long)LinuxError.EINTR : result;
    }
}
