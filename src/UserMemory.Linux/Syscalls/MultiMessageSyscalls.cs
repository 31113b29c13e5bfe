using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>sendmmsg</c> and <c>recvmmsg</c> as Linux builds them: one <see cref="SocketSyscalls.SendMessage"/> or
/// <see cref="SocketSyscalls.ReceiveMessage"/> per <c>struct mmsghdr</c> (so every header, vector, address and
/// ancillary buffer goes through the core exactly as for sendmsg/recvmsg), each result written to the entry's
/// <c>msg_len</c> through the core. The answer is the number of messages done when it is above zero, else the
/// first error (a later error is dropped, as Linux only keeps it on the socket for the next call).
/// </summary>
/// <remarks>sendmmsg stops after a partial send and sends at most <see cref="MultiMessageAbi.MaxMessages"/>.
/// recvmmsg turns on MSG_DONTWAIT after the first message under MSG_WAITFORONE, stops after out-of-band data, and
/// checks its timeout only after each message (so, as on Linux, a blocking first receive still waits); the time left
/// is written back when a message arrived.</remarks>
internal static class MultiMessageSyscalls
{
    private const int TimespecSize = 16;
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Sendmmsg, SupportLevel.Partial, "as sendmsg, one message at a time", static (t, a) => SendMany(t, a[0], a[1], (uint)a[2], (long)(uint)a[3]));
        b.Add(SyscallNumber.Recvmmsg, SupportLevel.Partial, "as recvmsg, one message at a time; an error after some messages is not kept for the next call", static (t, a) => ReceiveMany(t, a[0], a[1], (uint)a[2], (long)(uint)a[3], a[4]));
    }

    private static long SendMany(Task t, ulong fd, ulong vector, uint count, long flags)
    {
        if ((flags & MultiMessageAbi.ControlCompat) != 0)
        {
            return Einval;
        }

        long host = SocketSyscalls.HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        count = Math.Min(count, MultiMessageAbi.MaxMessages);
        long done = 0;
        long error = 0;
        while (done < count)
        {
            ulong entry = vector + ((ulong)done * MultiMessageAbi.EntrySize);
            long r = SocketSyscalls.SendMessage(t, fd, entry, flags, out int size);
            if (r < 0)
            {
                error = r;
                break;
            }

            if (t.WriteI32(entry + MultiMessageAbi.LengthOffset, (int)r) < 0)
            {
                error = Efault;
                break;
            }

            done++;
            if (r < size)
            {
                break; // a partial send ends the batch
            }
        }

        return done != 0 ? done : error;
    }

    private static long ReceiveMany(Task t, ulong fd, ulong vector, uint count, long flags, ulong timeoutAddr)
    {
        if ((flags & MultiMessageAbi.ControlCompat) != 0)
        {
            return Einval;
        }

        long deadline = 0;
        if (timeoutAddr != 0)
        {
            long bad = TimeSyscalls.ReadTimespec(t, timeoutAddr, out long timeout);
            if (bad < 0)
            {
                return bad;
            }

            deadline = InterruptibleWait.Now() + Math.Min(timeout, long.MaxValue / 2); // a huge timeout never overflows
        }

        long host = SocketSyscalls.HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        long done = 0;
        long error = 0;
        long left = 0;
        while (done < count)
        {
            ulong entry = vector + ((ulong)done * MultiMessageAbi.EntrySize);
            long r = SocketSyscalls.ReceiveMessage(t, fd, entry, flags & ~MultiMessageAbi.WaitForOne, out int messageFlags);
            if (r < 0)
            {
                error = r;
                break;
            }

            if (t.WriteI32(entry + MultiMessageAbi.LengthOffset, (int)r) < 0)
            {
                error = Efault;
                break;
            }

            done++;
            if ((flags & MultiMessageAbi.WaitForOne) != 0)
            {
                flags |= SocketAbi.MessageDontWait;
            }

            if (timeoutAddr != 0)
            {
                left = Math.Max(0, deadline - InterruptibleWait.Now());
                if (left == 0)
                {
                    break;
                }
            }

            if ((messageFlags & MultiMessageAbi.OutOfBand) != 0)
            {
                break;
            }
        }

        if (done == 0)
        {
            return error;
        }

        if (timeoutAddr != 0)
        {
            Span<byte> remaining = stackalloc byte[TimespecSize];
            BinaryPrimitives.WriteInt64LittleEndian(remaining, left / NanosecondsPerSecond);
            BinaryPrimitives.WriteInt64LittleEndian(remaining[sizeof(long)..], left % NanosecondsPerSecond);
            if (t.CopyOut(timeoutAddr, remaining) < 0)
            {
                return Efault;
            }
        }

        return done;
    }
}
