using System;
using System.Buffers.Binary;
using System.Diagnostics;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// The one way a syscall blocks on the host for the guest: <c>ppoll</c> on the descriptors it waits for plus the
/// signalfd and the wake-up eventfd of <see cref="HostSignalForwarding"/>, so a signal that becomes deliverable ends
/// the wait (the caller then returns a <see cref="RestartCode"/>: EINTR, or a restart under SA_RESTART). Before
/// blocking it always re-checks the pending set after resetting the eventfd, so a signal posted at any moment is
/// seen. Without forwarding (a library user that did not call <see cref="HostSignalForwarding.PrepareProcess"/>) it
/// is a plain <c>ppoll</c>.
/// </summary>
internal static class InterruptibleWait
{
    /// <summary>The size of one <c>struct pollfd</c>.</summary>
    internal const int PollFdSize = 8;

    /// <summary>The entries a caller leaves free at the end of its pollfd array for the wait's own descriptors.</summary>
    internal const int ExtraEntries = 2;

    /// <summary>POLLIN.</summary>
    internal const short PollIn = 0x1;

    /// <summary>POLLOUT.</summary>
    internal const short PollOut = 0x4;

    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int ReventsOffset = 6;
    private const int EventsOffset = 4;
    private const int TimespecSize = 16;

    /// <summary>Waits until one of the first <paramref name="count"/> entries of <paramref name="pollFds"/> is ready,
    /// the timeout passes, or a signal becomes deliverable.</summary>
    /// <param name="t">The waiting task.</param>
    /// <param name="pollFds">Host pollfd entries, with <see cref="ExtraEntries"/> free entries after the first
    /// <paramref name="count"/>; revents are filled.</param>
    /// <param name="count">The caller's entries.</param>
    /// <param name="timeoutNs">Relative timeout in nanoseconds, or -1 for none.</param>
    /// <param name="interest">Signals that end the wait even while blocked (rt_sigtimedwait's set).</param>
    /// <param name="interrupted">True when the wait ended for a signal.</param>
    /// <returns>The number of ready entries, 0 on timeout or interruption, or -errno.</returns>
    internal static long Wait(Task t, Span<byte> pollFds, int count, long timeoutNs, ulong interest, out bool interrupted) =>
        Wait(t, pollFds, count, timeoutNs, interest, null, out interrupted);

    /// <summary>As <see cref="Wait(Task, Span{byte}, int, long, ulong, out bool)"/>, also ending when
    /// <paramref name="done"/> turns true (checked after each reset of the task's wake-up eventfd: whoever makes it
    /// true then calls <see cref="Task.Wake"/>).</summary>
    /// <param name="t">The waiting task.</param>
    /// <param name="pollFds">Host pollfd entries with <see cref="ExtraEntries"/> free entries at the end.</param>
    /// <param name="count">The caller's entries.</param>
    /// <param name="timeoutNs">Relative timeout in nanoseconds, or -1.</param>
    /// <param name="interest">Signals that end the wait even while blocked.</param>
    /// <param name="done">The condition waited for, or null.</param>
    /// <param name="interrupted">True when the wait ended for a signal.</param>
    /// <returns>The number of ready entries (1 when <paramref name="done"/> turned true), 0 on timeout or
    /// interruption, or -errno.</returns>
    private static long Wait(Task t, Span<byte> pollFds, int count, long timeoutNs, ulong interest, Func<bool>? done, out bool interrupted)
    {
        // Asleep for CpuTimeSampler for the whole wait: the host thread's own work here (draining forwarded signals)
        // is not the guest using the CPU.
        t.IsSleeping = true;
        try
        {
            return WaitAsleep(t, pollFds, count, timeoutNs, interest, done, out interrupted);
        }
        finally
        {
            t.IsSleeping = false;
        }
    }

    private static long WaitAsleep(Task t, Span<byte> pollFds, int count, long timeoutNs, ulong interest, Func<bool>? done, out bool interrupted)
    {
        interrupted = false;
        bool forwarding = HostSignalForwarding.IsActive;
        int total = count;
        if (t.WakeFd >= 0)
        {
            SetEntry(pollFds, total++, t.WakeFd, PollIn);
        }

        if (forwarding)
        {
            SetEntry(pollFds, total++, HostSignalForwarding.SignalFd, PollIn);
        }

        int signalEntry = forwarding ? total - 1 : -1;

        long deadline = timeoutNs < 0 ? -1 : Now() + timeoutNs;
        Span<byte> timeout = stackalloc byte[TimespecSize];
        bool peek = true; // the first round only looks: ready descriptors win over a pending signal, as in Linux
        while (true)
        {
            t.DrainWake();
            if (done?.Invoke() == true)
            {
                return 1;
            }

            if (!peek && Interrupts(t, interest))
            {
                interrupted = true;
                return 0;
            }

            long remaining = peek ? 0 : deadline < 0 ? -1 : Math.Max(0, deadline - Now());
            if (remaining >= 0)
            {
                BinaryPrimitives.WriteInt64LittleEndian(timeout, remaining / NanosecondsPerSecond);
                BinaryPrimitives.WriteInt64LittleEndian(timeout[8..], remaining % NanosecondsPerSecond);
            }

            for (int i = 0; i < total; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(pollFds[((i * PollFdSize) + ReventsOffset)..], 0);
            }

            long r = HostLinux.Syscall((long)SyscallNumber.Ppoll, pollFds[..(total * PollFdSize)], 0, remaining < 0 ? default : timeout, 2, [0, total, 0, 0, 0, 0]);
            if (r == -(long)LinuxError.EINTR)
            {
                continue;
            }

            if (r < 0)
            {
                return r;
            }

            if (signalEntry >= 0)
            {
                HostSignalForwarding.Settle(Revents(pollFds, signalEntry) != 0);
            }

            int ready = 0;
            for (int i = 0; i < count; i++)
            {
                if (Revents(pollFds, i) != 0)
                {
                    ready++;
                }
            }

            if (ready > 0)
            {
                return ready;
            }

            if (done?.Invoke() == true)
            {
                return 1;
            }

            if ((peek || deadline >= 0) && Interrupts(t, interest))
            {
                interrupted = true;
                return 0;
            }

            if (deadline >= 0 && Now() >= deadline)
            {
                return 0;
            }

            peek = false;
        }
    }

    /// <summary>Waits, before a host read or write on <paramref name="hostFd"/>, until the descriptor is ready or a
    /// signal is deliverable. A ready, non-blocking or broken descriptor returns at once (the host call then gives
    /// its own answer).</summary>
    /// <param name="t">The task.</param>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="events">POLLIN or POLLOUT.</param>
    /// <returns>0 to go ahead, or <see cref="RestartCode.RestartSys"/> when a signal interrupted the wait.</returns>
    internal static long ForDescriptor(Task t, long hostFd, short events) => ForDescriptor(t, hostFd, events, requireSocket: false);

    /// <summary>As <see cref="ForDescriptor(Task, long, short)"/>; with <paramref name="requireSocket"/>, a descriptor
    /// that is not a socket returns at once too (a socket call on a pipe answers ENOTSOCK without waiting).</summary>
    /// <param name="t">The task.</param>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="events">POLLIN or POLLOUT.</param>
    /// <param name="requireSocket">True for the socket calls.</param>
    /// <returns>0 to go ahead, or <see cref="RestartCode.RestartSys"/> when a signal interrupted the wait.</returns>
    internal static long ForDescriptor(Task t, long hostFd, short events, bool requireSocket)
    {
        Span<byte> entries = stackalloc byte[(1 + ExtraEntries) * PollFdSize];
        SetEntry(entries, 0, (int)hostFd, events);
        bool forwarding = HostSignalForwarding.IsActive;
        int looked = 1;
        if (forwarding)
        {
            SetEntry(entries, looked++, HostSignalForwarding.SignalFd, PollIn);
        }

        long r = HostLinux.Syscall((long)SyscallNumber.Poll, entries[..(looked * PollFdSize)], 0, [0, looked, 0, 0, 0, 0]);
        if (r < 0 || Revents(entries, 0) != 0)
        {
            if (forwarding)
            {
                HostSignalForwarding.Settle(r > 0 && Revents(entries, 1) != 0); // a signal sent before the data is seen first
            }

            return 0; // ready, or an error the transfer itself reports
        }

        long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, hostFd, (long)FcntlCommand.GetFl);
        if (flags < 0 || (flags & (long)OpenFlags.NonBlock) != 0 || (requireSocket && !HostLinux.IsSocket(hostFd))
            || !AccessModeAllows(flags, events))
        {
            return 0;
        }

        _ = Wait(t, entries, 1, -1, 0, out bool interrupted);
        return interrupted ? RestartCode.RestartSys : 0;
    }

    /// <summary>False when the description's access mode forbids the transfer waited for (a write on a pipe's read
    /// end, a read on a write-only descriptor): the transfer itself answers EBADF at once, so waiting for a readiness
    /// that never comes would hang the caller.</summary>
    private static bool AccessModeAllows(long flags, short events)
    {
        const long AccessModeMask = 3; // O_ACCMODE
        long mode = flags & AccessModeMask;
        return events == PollOut ? mode != (long)OpenFlags.ReadOnly : mode != (long)OpenFlags.WriteOnly;
    }

    /// <summary>Sleeps for <paramref name="timeoutNs"/> (or until a signal when -1), waking for deliverable signals.</summary>
    /// <param name="t">The task.</param>
    /// <param name="timeoutNs">Nanoseconds, or -1 for no limit.</param>
    /// <param name="interest">Signals that end the wait even while blocked.</param>
    /// <returns>True when a signal ended the sleep, false when the time passed.</returns>
    internal static bool Sleep(Task t, long timeoutNs, ulong interest = 0)
    {
        Span<byte> entries = stackalloc byte[ExtraEntries * PollFdSize];
        _ = Wait(t, entries, 0, timeoutNs, interest, out bool interrupted);
        return interrupted;
    }

    /// <summary>Sleeps until <paramref name="done"/> turns true (its setter then calls <see cref="Task.Wake"/>), the
    /// timeout passes or a signal becomes deliverable (a futex wait).</summary>
    /// <param name="t">The task.</param>
    /// <param name="done">The condition.</param>
    /// <param name="timeoutNs">Nanoseconds, or -1 for no limit.</param>
    /// <returns>1 when the condition holds, 0 on timeout, -1 when a signal ended the sleep.</returns>
    internal static int SleepUntil(Task t, Func<bool> done, long timeoutNs)
    {
        Span<byte> entries = stackalloc byte[ExtraEntries * PollFdSize];
        long r = Wait(t, entries, 0, timeoutNs, 0, done, out bool interrupted);
        return r > 0 ? 1 : interrupted ? -1 : 0;
    }

    /// <summary>One round of waiting for any signal activity (a forwarded host signal, a wake-up) without descriptors:
    /// returns at the first sign of life, so a caller that polls host state (wait4 with WNOHANG) can look again. The
    /// caller resets the wake-up eventfd (<see cref="Task.DrainWake"/>) before it looks at that state,
    /// never after.</summary>
    /// <param name="t">The task.</param>
    /// <returns>True when a signal is deliverable.</returns>
    internal static bool WaitForActivity(Task t)
    {
        if (!HostSignalForwarding.IsActive)
        {
            return HasDeliverable(t);
        }

        if (HasDeliverable(t))
        {
            return true;
        }

        Span<byte> entries = stackalloc byte[ExtraEntries * PollFdSize];
        SetEntry(entries, 0, t.WakeFd, PollIn);
        SetEntry(entries, 1, HostSignalForwarding.SignalFd, PollIn);
        long r = HostLinux.Syscall((long)SyscallNumber.Ppoll, entries, 0, default, HostLinux.NoSlot, [0, ExtraEntries, 0, 0, 0, 0]);
        if (r > 0 && Revents(entries, 1) != 0)
        {
            HostSignalForwarding.Drain();
        }

        return HasDeliverable(t);
    }

    private static bool HasDeliverable(Task t) => SignalDelivery.HasDeliverable(t);

    /// <summary>Monotonic nanoseconds.</summary>
    /// <returns>Now.</returns>
    internal static long Now() => (long)(Stopwatch.GetTimestamp() * (NanosecondsPerSecond / (double)Stopwatch.Frequency));

    /// <summary>Whether a signal would end a wait of <paramref name="t"/> now: one pending and unblocked, or pending
    /// and in <paramref name="interest"/>.</summary>
    /// <param name="t">The waiting task.</param>
    /// <param name="interest">Signals that end the wait even while blocked (0 for none).</param>
    /// <returns>True when the wait must end for a signal.</returns>
    internal static bool Interrupts(Task t, ulong interest) => (SignalDelivery.Pending(t) & (~t.SignalMask | interest)) != 0;

    private static void SetEntry(Span<byte> entries, int index, int fd, short events)
    {
        Span<byte> e = entries[(index * PollFdSize)..];
        BinaryPrimitives.WriteInt32LittleEndian(e, fd);
        BinaryPrimitives.WriteInt16LittleEndian(e[EventsOffset..], events);
        BinaryPrimitives.WriteInt16LittleEndian(e[ReventsOffset..], 0);
    }

    private static short Revents(ReadOnlySpan<byte> entries, int index) =>
        BinaryPrimitives.ReadInt16LittleEndian(entries[((index * PollFdSize) + ReventsOffset)..]);
}
