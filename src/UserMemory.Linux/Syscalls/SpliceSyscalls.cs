using System;
using System.Buffers;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>splice</c>, <c>tee</c> and <c>vmsplice</c> on the host descriptors behind the guest's (pipes, files, sockets).
/// </summary>
/// <remarks>
/// <para><b>splice and tee</b> run in the host between host descriptors: flags are checked first (EINVAL), the
/// offsets are copied in and out through the core (an unreadable one reaches the host as a pointer its
/// <c>access_ok</c> rejects, so ESPIPE for a pipe still comes before EFAULT, as on Linux), the host answers for
/// descriptor kinds (EINVAL, ESPIPE, EBADF). A synthetic <c>/proc</c> file has no host descriptor: EINVAL.</para>
/// <para><b>vmsplice</b> never hands guest memory to the host: towards a pipe the guest's vector is copied through
/// the core into a kernel buffer (up to the pipe's capacity; a fault part-way sends what came before it) and written
/// with <c>RWF_NOWAIT</c> (or after poll, on a description that does not take it); from a pipe the writable prefix of the vector is found first, at most that much is read
/// into a kernel buffer and copied out, so a bad destination leaves the data in the pipe (EFAULT). The pages are
/// copied, not referenced: a guest that changes its buffer afterwards does not change the pipe's contents, and a full
/// pipe may take a few bytes more or less than Linux's page-by-page count.</para>
/// <para><b>Waiting.</b> Each host call is made non-blocking (<c>SPLICE_F_NONBLOCK</c>, <c>RWF_NOWAIT</c>); when it
/// answers EAGAIN and neither the guest's flags nor the descriptors ask for non-blocking behaviour, the task waits
/// interruptibly (<see cref="InterruptibleWait"/>, outside any access scope) until a descriptor is ready, and
/// retries. A signal ends the wait with a restart code.</para>
/// </remarks>
internal static class SpliceSyscalls
{
    private const int OffsetSize = sizeof(long);
    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint FifoFileType = 0x1000;
    private const long AccessModeMask = (long)OpenFlags.AccessMode;
    private const short PollIn = InterruptibleWait.PollIn;
    private const short PollOut = InterruptibleWait.PollOut;
    private const short PollError = 0x8;
    private const short PollHangUp = 0x10;
    private const short PollInvalid = 0x20;
    private const int EventsOffset = 4;
    private const int ReventsOffset = 6;

    /// <summary>A pause between retries when the host says "try again" although poll says ready (never seen; keeps
    /// such a disagreement from spinning).</summary>
    private const long RetryPauseNs = 1_000_000;

    /// <summary>The capacity assumed when the host does not report a pipe's (Linux's default, 16 pages).</summary>
    private const int DefaultPipeCapacity = 16 * 4096;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Splice, SupportLevel.Partial, "host descriptors; a synthetic /proc file is EINVAL", static (t, a) => Splice(t, a[0], a[1], a[2], a[3], a[4], (long)(uint)a[5]));
        b.Add(SyscallNumber.Tee, SupportLevel.Full, "", static (t, a) => Tee(t, a[0], a[1], a[2], (long)(uint)a[3]));
        b.Add(SyscallNumber.Vmsplice, SupportLevel.Partial, "the guest's pages are copied, not referenced", static (t, a) => Vmsplice(t, a[0], a[1], a[2], (long)(uint)a[3]));
    }

    private static long Splice(Task t, ulong inFd, ulong inOffsetAddr, ulong outFd, ulong outOffsetAddr, ulong length, long flags)
    {
        if (length == 0)
        {
            return 0;
        }

        if ((flags & ~SpliceAbi.All) != 0)
        {
            return Einval;
        }

        long hostIn = HostOf(t, inFd);
        long hostOut = HostOf(t, outFd);
        if (hostIn < 0 || hostOut < 0)
        {
            return hostIn == Ebadf || hostOut == Ebadf ? Ebadf : Einval;
        }

        Span<byte> inOffset = stackalloc byte[OffsetSize];
        Span<byte> outOffset = stackalloc byte[OffsetSize];
        bool inUnreadable = inOffsetAddr != 0 && t.CopyIn(inOffsetAddr, inOffset) < 0;
        bool outUnreadable = outOffsetAddr != 0 && t.CopyIn(outOffsetAddr, outOffset) < 0;
        long r;
        while (true)
        {
            // A missing offset is NULL; an unreadable one a pointer the host rejects (its ESPIPE comes first).
            ReadOnlySpan<long> args =
            [
                hostIn, inUnreadable ? IoSyscalls.RejectedUserPointer : 0, hostOut, outUnreadable ? IoSyscalls.RejectedUserPointer : 0,
                (long)length, flags | SpliceAbi.NonBlock,
            ];
            r = HostLinux.Syscall(
                (long)SyscallNumber.Splice,
                inOffsetAddr == 0 || inUnreadable ? default : inOffset, inOffsetAddr == 0 || inUnreadable ? HostLinux.NoSlot : 1,
                outOffsetAddr == 0 || outUnreadable ? default : outOffset, outOffsetAddr == 0 || outUnreadable ? HostLinux.NoSlot : 3,
                args);
            if (r != -(long)LinuxError.EAGAIN || (flags & SpliceAbi.NonBlock) != 0)
            {
                break;
            }

            long waited = WaitForEither(t, hostIn, hostOut);
            if (waited < 0)
            {
                return waited;
            }
        }

        if (r < 0)
        {
            return IoSyscalls.CheckBrokenPipe(t, r);
        }

        if ((inOffsetAddr != 0 && t.CopyOut(inOffsetAddr, inOffset) < 0) || (outOffsetAddr != 0 && t.CopyOut(outOffsetAddr, outOffset) < 0))
        {
            return Efault;
        }

        return r;
    }

    private static long Tee(Task t, ulong inFd, ulong outFd, ulong length, long flags)
    {
        if ((flags & ~SpliceAbi.All) != 0)
        {
            return Einval;
        }

        if (length == 0)
        {
            return 0;
        }

        long hostIn = HostOf(t, inFd);
        long hostOut = HostOf(t, outFd);
        if (hostIn < 0 || hostOut < 0)
        {
            return hostIn == Ebadf || hostOut == Ebadf ? Ebadf : Einval;
        }

        while (true)
        {
            long r = Syscall(SyscallNumber.Tee, hostIn, hostOut, (long)length, flags | SpliceAbi.NonBlock);
            if (r != -(long)LinuxError.EAGAIN || (flags & SpliceAbi.NonBlock) != 0)
            {
                return r;
            }

            long waited = WaitForEither(t, hostIn, hostOut);
            if (waited < 0)
            {
                return waited;
            }
        }
    }

    private static long Vmsplice(Task t, ulong fd, ulong vectorAddr, ulong count, long flags)
    {
        if ((flags & ~SpliceAbi.All) != 0)
        {
            return Einval;
        }

        OpenFile? file = t.Fds.Get((long)fd);
        if (file is null)
        {
            return Ebadf;
        }

        long host = file.HostFd;
        long status = host < 0 ? (long)OpenFlags.ReadOnly : Syscall(SyscallNumber.Fcntl, host, (long)FcntlCommand.GetFl);
        if (status < 0)
        {
            return Ebadf;
        }

        bool toPipe = (status & AccessModeMask) is (long)OpenFlags.WriteOnly or (long)OpenFlags.ReadWrite;
        IoVec[] vectors = ArrayPool<IoVec>.Shared.Rent(UserCopy.IovMax);
        try
        {
            LinuxError imported;
            int elements;
            ulong total;
            using (UserAccess access = UserAccess.Begin(t.Space))
            {
                imported = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(vectorAddr)), (long)Math.Min(count, long.MaxValue), vectors, out elements, out total);
            }

            if (imported != LinuxError.None)
            {
                return -(long)imported;
            }

            if (total == 0)
            {
                return 0;
            }

            if (host < 0 || !IsPipe(host))
            {
                return Ebadf;
            }

            total = Math.Min(total, (ulong)PipeCapacity(host));
            return toPipe
                ? VmspliceToPipe(t, host, vectors.AsSpan(0, elements), (int)total, flags)
                : VmspliceToUser(t, host, vectors.AsSpan(0, elements), (int)total, flags);
        }
        finally
        {
            ArrayPool<IoVec>.Shared.Return(vectors);
        }
    }

    private static long VmspliceToPipe(Task t, long host, ReadOnlySpan<IoVec> vectors, int total, long flags)
    {
        byte[] staging = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            CopyResult copied;
            using (UserAccess access = UserAccess.Begin(t.Space))
            {
                copied = UserCopy.CopyInVector(in access, vectors, staging.AsSpan(0, total));
            }

            if (copied.BytesDone == 0)
            {
                return -(long)copied.Error;
            }

            return IoSyscalls.CheckBrokenPipe(t, TransferNoWait(t, SyscallNumber.Pwritev2, host, staging.AsSpan(0, (int)copied.BytesDone), PollOut, flags));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    private static long VmspliceToUser(Task t, long host, ReadOnlySpan<IoVec> vectors, int total, long flags)
    {
        ulong room = 0;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            foreach (IoVec v in vectors)
            {
                ulong want = Math.Min(v.Length, (ulong)total - room);
                ulong usable = AccessiblePrefix(in access, v.Base, want, writable: true);
                room += usable;
                if (usable < want || room == (ulong)total)
                {
                    break;
                }
            }
        }

        if (room == 0 || (room < (ulong)total && room < QueuedBytes(host)))
        {
            // Linux copies whole pipe buffers and keeps one whose copy faults; small writes share one buffer, so
            // data that would not fit the writable prefix stays in the pipe and the answer is EFAULT.
            return Efault;
        }

        byte[] staging = ArrayPool<byte>.Shared.Rent((int)room);
        try
        {
            long r = TransferNoWait(t, SyscallNumber.Preadv2, host, staging.AsSpan(0, (int)room), PollIn, flags);
            if (r <= 0)
            {
                return r;
            }

            CopyResult copied;
            using (UserAccess access = UserAccess.Begin(t.Space))
            {
                copied = UserCopy.CopyOutVector(in access, vectors, staging.AsSpan(0, (int)r));
            }

            return copied.BytesDone > 0 ? (long)copied.BytesDone : -(long)copied.Error;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    /// <summary>One preadv2/pwritev2 with RWF_NOWAIT on a kernel buffer, waiting for readiness between tries unless
    /// the guest asked for SPLICE_F_NONBLOCK or the descriptor is non-blocking.</summary>
    private static long TransferNoWait(Task t, SyscallNumber nr, long host, Span<byte> buffer, short events, long flags)
    {
        while (true)
        {
            long r = HostLinux.VectorTransfer((long)nr, host, buffer, SpliceAbi.ReadWriteNoWait);
            if (r == -(long)LinuxError.EOPNOTSUPP)
            {
                // A description without FMODE_NOWAIT (a FIFO opened by name): ask poll first, then transfer plainly.
                r = IsReady(host, events) ? HostLinux.VectorTransfer((long)nr, host, buffer, 0) : -(long)LinuxError.EAGAIN;
            }

            if (r != -(long)LinuxError.EAGAIN || (flags & SpliceAbi.NonBlock) != 0)
            {
                return r;
            }

            long waited = WaitForEither(t, events == PollIn ? host : -1, events == PollOut ? host : -1);
            if (waited < 0)
            {
                return waited;
            }
        }
    }

    /// <summary>Waits until the input is readable or the output writable (a descriptor of -1 is left out), or a signal
    /// is deliverable.</summary>
    /// <returns>0 to retry; -EAGAIN when a descriptor that is not ready is non-blocking (Linux then does not wait);
    /// a restart code when a signal came first.</returns>
    private static long WaitForEither(Task t, long hostIn, long hostOut)
    {
        Span<byte> entries = stackalloc byte[(2 + InterruptibleWait.ExtraEntries) * InterruptibleWait.PollFdSize];
        int waiting = 0;
        foreach ((long fd, short events) in (ReadOnlySpan<(long, short)>)[(hostIn, PollIn), (hostOut, PollOut)])
        {
            if (fd < 0)
            {
                continue;
            }

            Span<byte> entry = entries.Slice(waiting * InterruptibleWait.PollFdSize, InterruptibleWait.PollFdSize);
            SetEntry(entry, 0, fd, events);
            if (HostSpanCall(SyscallNumber.Poll, entry, 0, 0, 1, 0) != 0)
            {
                short revents = BinaryPrimitives.ReadInt16LittleEndian(entry[ReventsOffset..]);
                if ((revents & (PollError | PollHangUp | PollInvalid)) != 0)
                {
                    return 0; // the retry reports it
                }

                continue; // ready: wait only for the other one
            }

            if (IsNonBlocking(fd))
            {
                return -(long)LinuxError.EAGAIN;
            }

            waiting++;
        }

        if (waiting == 0)
        {
            // Both ready and still "try again" (a race with another reader or writer): pause briefly, interruptibly.
            return InterruptibleWait.Sleep(t, RetryPauseNs) ? RestartCode.RestartSys : 0;
        }

        _ = InterruptibleWait.Wait(t, entries, waiting, -1, 0, out bool interrupted);
        return interrupted ? RestartCode.RestartSys : 0;
    }

    private static bool IsReady(long host, short events)
    {
        Span<byte> entry = stackalloc byte[InterruptibleWait.PollFdSize];
        SetEntry(entry, 0, host, events);
        return HostSpanCall(SyscallNumber.Poll, entry, 0, 0, 1, 0) > 0;
    }

    private static void SetEntry(Span<byte> entries, int index, long fd, short events)
    {
        Span<byte> entry = entries.Slice(index * InterruptibleWait.PollFdSize, InterruptibleWait.PollFdSize);
        BinaryPrimitives.WriteInt32LittleEndian(entry, (int)fd);
        BinaryPrimitives.WriteInt16LittleEndian(entry[EventsOffset..], events);
        BinaryPrimitives.WriteInt16LittleEndian(entry[ReventsOffset..], 0);
    }

    private static bool IsNonBlocking(long host)
    {
        long status = Syscall(SyscallNumber.Fcntl, host, (long)FcntlCommand.GetFl);
        return status >= 0 && (status & (long)OpenFlags.NonBlock) != 0;
    }

    private static bool IsPipe(long host)
    {
        Span<byte> stat = stackalloc byte[StatSize];
        return HostSpanCall(SyscallNumber.Fstat, stat, 1, host) == 0
            && (BinaryPrimitives.ReadUInt32LittleEndian(stat[StatModeOffset..]) & FileTypeMask) == FifoFileType;
    }

    private static ulong QueuedBytes(long host)
    {
        Span<byte> queued = stackalloc byte[sizeof(int)];
        return HostSpanCall(SyscallNumber.Ioctl, queued, 2, host, (long)TerminalIoctl.BytesReadable) < 0 ? 0 : (ulong)BinaryPrimitives.ReadInt32LittleEndian(queued);
    }

    private static int PipeCapacity(long host)
    {
        long size = Syscall(SyscallNumber.Fcntl, host, SpliceAbi.GetPipeSize);
        return size > 0 ? (int)size : DefaultPipeCapacity;
    }

    /// <summary>The host descriptor behind a guest one: EBADF when closed, EINVAL for a synthetic file (procfs cannot
    /// splice here).</summary>
    private static long HostOf(Task t, ulong fd)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        return f is null ? Ebadf : f.HostFd < 0 ? Einval : f.HostFd;
    }
}
