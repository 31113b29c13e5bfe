using System.Buffers.Binary;
using System;
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
    private const ulong SignalSetSize = 8;
    private const long NanosecondsPerMillisecond = 1_000_000;
    private const long NanosecondsPerMicrosecond = 1_000;
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Poll, SupportLevel.Full, "", static (t, a) => Poll(t, a[0], a[1], (long)a[2], 0, false, 0, 0));
        b.Add(SyscallNumber.Select, SupportLevel.Partial, "host descriptors above 1023 are EBADF", static (t, a) => Select(t, a[0], a[1], a[2], a[3], a[4], false));
        b.Add(SyscallNumber.Pselect6, SupportLevel.Partial, "host descriptors above 1023 are EBADF", static (t, a) => PselectWithMask(t, a));
        b.Add(SyscallNumber.Ppoll, SupportLevel.Full, "", static (t, a) => Poll(t, a[0], a[1], 0, a[2], true, a[3], a[4]));
    }

    /// <summary>pselect6: the sixth argument points at { sigset pointer, sigset size }; the mask applies during the
    /// wait (<see cref="TemporaryMask"/>).</summary>
    private static long PselectWithMask(Task t, ReadOnlySpan<ulong> a)
    {
        ulong maskAddr = 0, maskSize = 0;
        if (a[5] != 0)
        {
            byte[] pair = new byte[16];
            if (t.CopyIn(a[5], pair) < 0)
            {
                return Efault;
            }

            maskAddr = BitConverter.ToUInt64(pair, 0);
            maskSize = BitConverter.ToUInt64(pair, 8);
        }

        long r = TemporaryMask.Apply(t, maskAddr, maskSize);
        return r < 0 ? r : TemporaryMask.Finish(t, Select(t, a[0], a[1], a[2], a[3], a[4], true));
    }

    private static long Poll(Task t, ulong fdsAddr, ulong count, long timeoutMs, ulong timeoutAddr, bool isPpoll, ulong maskAddr, ulong maskSize)
    {
        long masked = TemporaryMask.Apply(t, maskAddr, maskSize);
        return masked < 0 ? masked : TemporaryMask.Finish(t, PollWithMaskSet(t, fdsAddr, count, timeoutMs, timeoutAddr, isPpoll));
    }

    private static long PollWithMaskSet(Task t, ulong fdsAddr, ulong count, long timeoutMs, ulong timeoutAddr, bool isPpoll)
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

        long timeoutNs = (int)timeoutMs < 0 ? -1 : (int)timeoutMs * NanosecondsPerMillisecond;
        if (isPpoll)
        {
            timeoutNs = -1;
            if (timeoutAddr != 0)
            {
                long bad = TimeSyscalls.ReadTimespec(t, timeoutAddr, out timeoutNs);
                if (bad < 0)
                {
                    return bad;
                }
            }
        }

        if (invalid > 0)
        {
            timeoutNs = 0;
        }

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

    private static long Select(Task t, ulong count, ulong readAddr, ulong writeAddr, ulong exceptAddr, ulong timeoutAddr, bool isPselect)
    {
        if ((int)count < 0)
        {
            return Einval;
        }

        // Linux clamps nfds to the size of the descriptor table.
        count = Math.Min((ulong)(int)count, (ulong)t.Fds.Size);

        int setBytes = (int)((count + 63) / 64 * 8);
        ulong[] addrs = [readAddr, writeAddr, exceptAddr];
        byte[][] guestSets = new byte[3][];
        byte[][] hostSets = new byte[3][];
        int hostCount = 0;
        for (int s = 0; s < 3; s++)
        {
            hostSets[s] = new byte[128];
            guestSets[s] = new byte[setBytes];
            if (addrs[s] == 0)
            {
                continue;
            }

            if (t.CopyIn(addrs[s], guestSets[s]) < 0)
            {
                return Efault;
            }

            for (int fd = 0; fd < (int)count; fd++)
            {
                if ((guestSets[s][fd / 8] & (1 << (fd % 8))) != 0)
                {
                    int h = t.Fds.HostOf(fd);
                    if (h < 0 || h >= 1024)
                    {
                        return Ebadf;
                    }

                    hostSets[s][h / 8] |= (byte)(1 << (h % 8));
                    hostCount = Math.Max(hostCount, h + 1);
                }
            }
        }

        byte[]? timeout = null;
        if (timeoutAddr != 0)
        {
            timeout = new byte[16];
            if (t.CopyIn(timeoutAddr, timeout) < 0)
            {
                return Efault;
            }
        }

        // Wait (signal-aware) until something is ready, then let the host's select report it without blocking.
        long timeoutNs = -1;
        if (timeout is not null)
        {
            long seconds = BitConverter.ToInt64(timeout, 0);
            long fraction = BitConverter.ToInt64(timeout, 8);
            long unit = isPselect ? 1 : NanosecondsPerMicrosecond;
            if (seconds < 0 || fraction < 0 || fraction >= NanosecondsPerSecond / unit)
            {
                return Einval;
            }

            timeoutNs = seconds >= long.MaxValue / NanosecondsPerSecond ? long.MaxValue : (seconds * NanosecondsPerSecond) + (fraction * unit);
        }

        long started = InterruptibleWait.Now();
        long waited = InterruptibleWait.ForSelect(t, hostCount, hostSets, timeoutNs);
        if (waited < 0)
        {
            return waited;
        }

        long r = isPselect
            ? SelectHost(SyscallNumber.Pselect6, hostCount, hostSets, new byte[16])
            : SelectHost(SyscallNumber.Select, hostCount, hostSets, new byte[16]);
        if (r < 0)
        {
            return r;
        }

        if (timeout is not null && !isPselect)
        {
            long left = Math.Max(0, timeoutNs - (InterruptibleWait.Now() - started));
            BitConverter.TryWriteBytes(timeout.AsSpan(0), left / NanosecondsPerSecond);
            BitConverter.TryWriteBytes(timeout.AsSpan(8), left % NanosecondsPerSecond / NanosecondsPerMicrosecond);
        }

        for (int s = 0; s < 3; s++)
        {
            if (addrs[s] == 0)
            {
                continue;
            }

            byte[] result = new byte[setBytes];
            for (int fd = 0; fd < (int)count; fd++)
            {
                int h = t.Fds.HostOf(fd);
                if ((guestSets[s][fd / 8] & (1 << (fd % 8))) != 0 && h >= 0 && (hostSets[s][h / 8] & (1 << (h % 8))) != 0)
                {
                    result[fd / 8] |= (byte)(1 << (fd % 8));
                }
            }

            if (t.CopyOut(addrs[s], result) < 0)
            {
                return Efault;
            }
        }

        if (timeout is not null && !isPselect && t.CopyOut(timeoutAddr, timeout) < 0)
        {
            return Efault;
        }

        return r;
    }

    private static long SelectHost(SyscallNumber nr, int count, byte[][] sets, byte[]? timeout)
    {
        // Three fd_sets and the timeout live in one buffer so one pinned span covers them.
        byte[] block = new byte[(3 * 128) + 16];
        for (int s = 0; s < 3; s++)
        {
            sets[s].CopyTo(block, s * 128);
        }

        timeout?.CopyTo(block, 384);
        long r = Interop.HostLinux.SelectBlock((long)nr, count, block, timeout is not null);
        for (int s = 0; s < 3; s++)
        {
            Array.Copy(block, s * 128, sets[s], 0, 128);
        }

        if (timeout is not null)
        {
            Array.Copy(block, 384, timeout, 0, 16);
        }

        return r;
    }
}
