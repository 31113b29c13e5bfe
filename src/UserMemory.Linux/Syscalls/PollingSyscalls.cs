using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>poll/ppoll and select/pselect6 with descriptor translation in both directions.</summary>
internal static class PollingSyscalls
{
    private const short PollInvalid = 0x20; // POLLNVAL
    private const short PollAlwaysReady = 0x1 | 0x4 | 0x40 | 0x100; // POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM: a synthetic file never blocks
    private const int PollEventsOffset = 4;
    private const int PollReventsOffset = 6;
    private const int SelectSetCount = 3;

    /// <summary>The poll events each select set asks for: read, write, except.</summary>
    private static readonly short[] SelectEvents =
    [
        0x1 | 0x40 | 0x80, // POLLIN | POLLRDNORM | POLLRDBAND
        0x4 | 0x100 | 0x200, // POLLOUT | POLLWRNORM | POLLWRBAND
        0x2, // POLLPRI
    ];

    /// <summary>The poll answers that make a descriptor ready in each set (Linux's POLLIN_SET, POLLOUT_SET,
    /// POLLEX_SET).</summary>
    private static readonly short[] SelectReadyMasks =
    [
        0x1 | 0x40 | 0x80 | 0x10 | 0x8, // POLLIN_SET: + POLLHUP | POLLERR
        0x4 | 0x100 | 0x200 | 0x8, // POLLOUT_SET: + POLLERR
        0x2, // POLLEX_SET
    ];

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Poll, SupportLevel.Full, "", static (t, a) => PollWithMilliseconds(t, a[0], a[1], (int)a[2]));
        b.Add(SyscallNumber.Select, SupportLevel.Full, "", static (t, a) => SelectWithTimeval(t, a));
        b.Add(SyscallNumber.Pselect6, SupportLevel.Full, "", static (t, a) => PselectWithMask(t, a));
        b.Add(SyscallNumber.Ppoll, SupportLevel.Full, "", static (t, a) => PpollWithMask(t, a));
    }

    /// <summary>poll: an <c>int</c> of milliseconds, never written back.</summary>
    private static long PollWithMilliseconds(Task t, ulong fdsAddr, ulong count, int timeoutMs) =>
        Poll(t, fdsAddr, (uint)count, PollTimeout.FromMilliseconds(timeoutMs));

    /// <summary>ppoll: the timespec is checked first, then the mask (<see cref="TemporaryMask"/>), then the
    /// descriptors; the time left is written back after the mask is settled.</summary>
    private static long PpollWithMask(Task t, ReadOnlySpan<ulong> a)
    {
        ulong timeoutAddr = a[2];
        long r = PollTimeout.Read(t, timeoutAddr, PollTimeoutFormat.Timespec, out PollTimeout timeout);
        if (r < 0)
        {
            return r;
        }

        r = TemporaryMask.Apply(t, a[3], a[4]);
        if (r < 0)
        {
            return r;
        }

        r = TemporaryMask.Finish(t, Poll(t, a[0], (uint)a[1], timeout));
        return timeout.WriteBack(t, timeoutAddr, PollTimeoutFormat.Timespec, r);
    }

    /// <summary>select: the timeval is checked before the sets, and the time left written back.</summary>
    private static long SelectWithTimeval(Task t, ReadOnlySpan<ulong> a)
    {
        ulong timeoutAddr = a[4];
        long r = PollTimeout.Read(t, timeoutAddr, PollTimeoutFormat.Timeval, out PollTimeout timeout);
        if (r < 0)
        {
            return r;
        }

        r = Select(t, a[0], a[1], a[2], a[3], timeout);
        return timeout.WriteBack(t, timeoutAddr, PollTimeoutFormat.Timeval, r);
    }

    /// <summary>pselect6: the sixth argument points at { sigset pointer, sigset size } and is read first; then the
    /// timespec, then the mask, which applies during the wait (<see cref="TemporaryMask"/>).</summary>
    private static long PselectWithMask(Task t, ReadOnlySpan<ulong> a)
    {
        ulong maskAddr = 0, maskSize = 0;
        if (a[5] != 0)
        {
            Span<byte> pair = stackalloc byte[2 * sizeof(ulong)];
            if (t.CopyIn(a[5], pair) < 0)
            {
                return Efault;
            }

            maskAddr = BinaryPrimitives.ReadUInt64LittleEndian(pair);
            maskSize = BinaryPrimitives.ReadUInt64LittleEndian(pair[sizeof(ulong)..]);
        }

        ulong timeoutAddr = a[4];
        long r = PollTimeout.Read(t, timeoutAddr, PollTimeoutFormat.Timespec, out PollTimeout timeout);
        if (r < 0)
        {
            return r;
        }

        r = TemporaryMask.Apply(t, maskAddr, maskSize);
        if (r < 0)
        {
            return r;
        }

        r = TemporaryMask.Finish(t, Select(t, a[0], a[1], a[2], a[3], timeout));
        return timeout.WriteBack(t, timeoutAddr, PollTimeoutFormat.Timespec, r);
    }

    /// <summary>The wait of poll and ppoll. <paramref name="count"/> is Linux's <c>unsigned int nfds</c>, limited by
    /// RLIMIT_NOFILE.</summary>
    private static long Poll(Task t, ulong fdsAddr, uint count, PollTimeout timeout)
    {
        if (count > (ulong)t.Fds.SoftLimit)
        {
            return Einval;
        }

        byte[] fds = new byte[count * 8];
        if (t.CopyIn(fdsAddr, fds) < 0)
        {
            return Efault;
        }

        byte[] host = new byte[fds.Length + (InterruptibleWait.ExtraEntries * InterruptibleWait.PollFdSize)];
        fds.CopyTo(host, 0);
        int invalid = 0;
        for (int i = 0; i < (int)count; i++)
        {
            int guest = BinaryPrimitives.ReadInt32LittleEndian(fds.AsSpan(i * 8));
            int h = guest < 0 ? -1 : t.Fds.HostOf(guest);
            if (guest >= 0 && !t.Fds.IsOpen(guest))
            {
                invalid++;
            }
            else if (guest >= 0 && h < 0)
            {
                invalid++; // synthetic: answered below without the host, so the host must not wait
            }

            BinaryPrimitives.WriteInt32LittleEndian(host.AsSpan(i * 8), h);
        }

        long timeoutNs = invalid > 0 ? 0 : timeout.WaitNanoseconds;

        // Waits through the signal-aware wait: a deliverable signal ends it (EINTR, as Linux's poll).
        long r = InterruptibleWait.Wait(t, host, (int)count, timeoutNs, 0, out bool interrupted);
        if (interrupted && r == 0)
        {
            return RestartCode.RestartNoHandler;
        }

        if (r < 0)
        {
            return r;
        }

        for (int i = 0; i < (int)count; i++)
        {
            int guest = BinaryPrimitives.ReadInt32LittleEndian(fds.AsSpan(i * 8));
            short revents = BinaryPrimitives.ReadInt16LittleEndian(host.AsSpan((i * 8) + 6));
            if (guest >= 0 && !t.Fds.IsOpen(guest))
            {
                revents = PollInvalid;
            }
            else if (guest >= 0 && t.Fds.HostOf(guest) < 0)
            {
                revents = (short)(BinaryPrimitives.ReadInt16LittleEndian(fds.AsSpan((i * 8) + 4)) & PollAlwaysReady);
            }

            BinaryPrimitives.WriteInt16LittleEndian(fds.AsSpan((i * 8) + 6), revents);
        }

        long ready = 0;
        for (int i = 0; i < (int)count; i++)
        {
            ready += BinaryPrimitives.ReadInt16LittleEndian(fds.AsSpan((i * 8) + 6)) != 0 ? 1 : 0;
        }

        return t.CopyOut(fdsAddr, fds) < 0 ? Efault : ready;
    }

    /// <summary>The wait of select and pselect6, after the timeout was read.</summary>
    private static long Select(Task t, ulong count, ulong readAddr, ulong writeAddr, ulong exceptAddr, PollTimeout timeout)
    {
        if ((int)count < 0)
        {
            return Einval;
        }

        // Linux clamps nfds to the size of the descriptor table.
        int n = (int)Math.Min((ulong)(int)count, (ulong)t.Fds.Size);
        int setBytes = (n + 63) / 64 * 8;
        ulong[] addrs = [readAddr, writeAddr, exceptAddr];
        byte[][] guestSets = new byte[SelectSetCount][];
        for (int s = 0; s < SelectSetCount; s++)
        {
            guestSets[s] = new byte[setBytes];
            if (addrs[s] != 0 && t.CopyIn(addrs[s], guestSets[s]) < 0)
            {
                return Efault;
            }
        }

        // Every descriptor named in a set must be open (max_select_fd), before any waiting.
        var watched = new List<SelectEntry>();
        for (int fd = 0; fd < n; fd++)
        {
            short events = 0;
            for (int s = 0; s < SelectSetCount; s++)
            {
                events |= IsSet(guestSets[s], fd) ? SelectEvents[s] : (short)0;
            }

            if (events == 0)
            {
                continue;
            }

            OpenFile? file = t.Fds.Get(fd);
            if (file is null)
            {
                return Ebadf;
            }

            watched.Add(new SelectEntry(fd, file.HostFd, events));
        }

        long result = SelectWait(t, watched, timeout.WaitNanoseconds, InterruptibleWait.Now(), out byte[][] ready);
        if (result < 0)
        {
            return result;
        }

        for (int s = 0; s < SelectSetCount; s++)
        {
            if (addrs[s] == 0)
            {
                continue;
            }

            byte[] set = new byte[setBytes];
            ready[s].AsSpan(0, Math.Min(setBytes, ready[s].Length)).CopyTo(set);
            if (t.CopyOut(addrs[s], set) < 0)
            {
                return Efault;
            }
        }

        return result;
    }

    /// <summary>Waits until a watched descriptor is ready in one of the sets it is in (as Linux's <c>do_select</c>
    /// reads a poll mask: POLLIN_SET, POLLOUT_SET, POLLEX_SET), the timeout passes or a signal is deliverable. A
    /// synthetic file is always ready to read and write, as a file without a poll method is on Linux. A host answer that
    /// concerns none of a descriptor's sets (POLLHUP on a descriptor watched only for exceptions) takes that descriptor
    /// out of the rest of the wait, so it cannot keep ending it.</summary>
    /// <returns>The number of bits set in the three result sets, or <see cref="RestartCode.RestartNoHandler"/>.</returns>
    private static long SelectWait(Task t, List<SelectEntry> watched, long timeoutNs, long started, out byte[][] ready)
    {
        int highest = watched.Count == 0 ? 0 : watched[^1].GuestFd + 1;
        ready = new byte[SelectSetCount][];
        for (int s = 0; s < SelectSetCount; s++)
        {
            ready[s] = new byte[(highest + 7) / 8];
        }

        byte[] host = new byte[(watched.Count + InterruptibleWait.ExtraEntries) * InterruptibleWait.PollFdSize];
        bool anySynthetic = false;
        for (int i = 0; i < watched.Count; i++)
        {
            SelectEntry e = watched[i];
            anySynthetic |= e.HostFd < 0 && (e.Events & (SelectEvents[0] | SelectEvents[1])) != 0;
            BinaryPrimitives.WriteInt32LittleEndian(host.AsSpan(i * InterruptibleWait.PollFdSize), e.HostFd);
            BinaryPrimitives.WriteInt16LittleEndian(host.AsSpan((i * InterruptibleWait.PollFdSize) + PollEventsOffset), e.HostFd < 0 ? (short)0 : e.Events);
        }

        while (true)
        {
            long remaining = anySynthetic ? 0 : timeoutNs < 0 ? -1 : Math.Max(0, timeoutNs - (InterruptibleWait.Now() - started));
            long r = InterruptibleWait.Wait(t, host, watched.Count, remaining, 0, out bool interrupted);
            if (interrupted && r == 0)
            {
                return RestartCode.RestartNoHandler;
            }

            if (r < 0)
            {
                return r;
            }

            long bits = 0;
            for (int i = 0; i < watched.Count; i++)
            {
                SelectEntry e = watched[i];
                int offset = i * InterruptibleWait.PollFdSize;
                short revents = e.HostFd < 0 ? PollAlwaysReady : BinaryPrimitives.ReadInt16LittleEndian(host.AsSpan(offset + PollReventsOffset));
                int found = 0;
                for (int s = 0; s < SelectSetCount; s++)
                {
                    if ((e.Events & SelectEvents[s]) != 0 && (revents & SelectReadyMasks[s]) != 0)
                    {
                        ready[s][e.GuestFd / 8] |= (byte)(1 << (e.GuestFd % 8));
                        found++;
                    }
                }

                if (found == 0 && revents != 0 && e.HostFd >= 0)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(host.AsSpan(offset), -1); // answered nothing it is watched for
                }

                bits += found;
            }

            if (bits > 0 || r == 0 || remaining == 0)
            {
                return bits;
            }
        }
    }

    private static bool IsSet(byte[] set, int fd) => (set[fd / 8] & (1 << (fd % 8))) != 0;

    /// <summary>One descriptor select watches: its guest number, its host descriptor (-1 for a synthetic file) and the
    /// poll events of the sets it is in.</summary>
    private readonly record struct SelectEntry(int GuestFd, int HostFd, short Events);
}
