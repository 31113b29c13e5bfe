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

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Poll, SupportLevel.Full, "", static (t, a) => Poll(t, a[0], a[1], (long)a[2], 0, false));
        b.Add(SyscallNumber.Select, SupportLevel.Partial, "host descriptors above 1023 are EBADF", static (t, a) => Select(t, a[0], a[1], a[2], a[3], a[4], false));
        b.Add(SyscallNumber.Pselect6, SupportLevel.Partial, "the signal mask argument is ignored", static (t, a) => Select(t, a[0], a[1], a[2], a[3], a[4], true));
        b.Add(SyscallNumber.Ppoll, SupportLevel.Partial, "the signal mask argument is ignored", static (t, a) => a[3] != 0 && a[4] != SignalSetSize ? Einval : Poll(t, a[0], a[1], 0, a[2], true));
    }

    private static long Poll(Task t, ulong fdsAddr, ulong count, long timeoutMs, ulong timeoutAddr, bool isPpoll)
    {
        if (count > FdTable.Limit)
        {
            return Einval;
        }

        byte[] fds = new byte[count * 8];
        if (t.CopyIn(fdsAddr, fds) < 0)
        {
            return Efault;
        }

        byte[] host = (byte[])fds.Clone();
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

        long r;
        if (isPpoll)
        {
            byte[]? ts = null;
            if (timeoutAddr != 0)
            {
                ts = new byte[16];
                if (t.CopyIn(timeoutAddr, ts) < 0)
                {
                    return Efault;
                }
            }

            if (invalid > 0)
            {
                ts = new byte[16];
            }

            r = HostSpanCall2(SyscallNumber.Ppoll, host, 0, ts, 2, 0, (long)count, 0, 0, 8);
        }
        else
        {
            r = HostSpanCall(SyscallNumber.Poll, host, 0, 0, (long)count, invalid > 0 ? 0 : timeoutMs);
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
        count = Math.Min((ulong)(int)count, (ulong)FdTable.Limit);

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

        long r = isPselect
            ? SelectHost(SyscallNumber.Pselect6, hostCount, hostSets, timeout)
            : SelectHost(SyscallNumber.Select, hostCount, hostSets, timeout);
        if (r < 0)
        {
            return r;
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
