using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// signalfd and signalfd4: a guest descriptor (<see cref="SignalFdFile"/>) whose reads take the caller's pending
/// signals of its mask as <c>struct signalfd_siginfo</c> records (thread-directed first, each in Linux's order), waiting
/// for one unless the description is non-blocking (EAGAIN). A wait ends with a restart code when a signal outside the
/// mask becomes deliverable (EINTR, or a restart under SA_RESTART, as Linux's -ERESTARTSYS). Readiness for poll,
/// select and epoll comes from the host eventfd behind it (<see cref="SignalFdReadiness"/>).
/// </summary>
internal static class SignalFdSyscalls
{
    /// <summary>The size of <c>struct signalfd_siginfo</c>.</summary>
    internal const int RecordSize = 128;

    private const int SignalSetSize = 8;
    private const long AllowedFlags = (long)(OpenFlags.NonBlock | OpenFlags.CloseOnExec);
    private const long NonBlockFlag = (long)OpenFlags.NonBlock;

    // struct signalfd_siginfo field offsets.
    private const int ErrnoOffset = 4;
    private const int CodeOffset = 8;
    private const int PidOffset = 12;
    private const int UidOffset = 16;
    private const int TidOffset = 24;
    private const int OverrunOffset = 32;
    private const int StatusOffset = 40;
    private const int IntOffset = 44;
    private const int PointerOffset = 48;
    private const int UserTimeOffset = 56;
    private const int SystemTimeOffset = 64;
    private const int AddressOffset = 72;

    /// <summary><c>SI_SIGIO</c>: the poll layout (band and fd), whose fields no guest signal source fills.</summary>
    private const int SignalIo = -5;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Signalfd, SupportLevel.Full, "", static (t, a) => Create(t, (long)a[0], a[1], a[2], 0));
        b.Add(SyscallNumber.Signalfd4, SupportLevel.Full, "readiness counts signals pending on any thread of the process", static (t, a) => Create(t, (long)a[0], a[1], a[2], (long)a[3]));
    }

    private static long Create(Task t, long fd, ulong maskAddr, ulong size, long flags)
    {
        if (size != SignalSetSize || (flags & ~AllowedFlags) != 0)
        {
            return Einval;
        }

        if (t.ReadU64(maskAddr, out ulong mask) < 0)
        {
            return Efault;
        }

        mask &= ~SignalDelivery.Unblockable;
        if ((int)fd != -1)
        {
            OpenFile? existing = t.Fds.Get((int)fd);
            if (existing is null)
            {
                return Ebadf;
            }

            if (existing is not SignalFdFile signalFd)
            {
                return Einval;
            }

            signalFd.Mask.Value = mask;
            t.Group.Signals.SignalFds.MaskChanged();
            return (int)fd;
        }

        long host = Syscall(SyscallNumber.Eventfd2, 0, flags & NonBlockFlag);
        if (host < 0)
        {
            return host;
        }

        var file = new SignalFdFile((int)host, new SignalFdMask(mask));
        int guest = t.Fds.Add(file, (flags & (long)OpenFlags.CloseOnExec) != 0);
        if (guest < 0)
        {
            _ = Syscall(SyscallNumber.Close, host);
            return guest;
        }

        t.Group.Signals.SignalFds.Register(file);
        return guest;
    }

    /// <summary>A duplicate of a signalfd description for a guest dup: a host dup of its eventfd, the same mask.</summary>
    /// <param name="t">The task.</param>
    /// <param name="f">The description.</param>
    /// <param name="copy">The duplicate.</param>
    /// <returns>0 or -errno.</returns>
    internal static long Duplicate(Task t, SignalFdFile f, out OpenFile copy)
    {
        copy = f;
        long h = Syscall(SyscallNumber.Dup, f.HostFd);
        if (h < 0)
        {
            return h;
        }

        var file = new SignalFdFile((int)h, f.Mask);
        t.Group.Signals.SignalFds.Register(file);
        copy = file;
        return 0;
    }

    /// <summary>Stops readiness updates before the descriptor's host eventfd is closed.</summary>
    /// <param name="t">The task.</param>
    /// <param name="f">The description being closed.</param>
    internal static void Closing(Task t, SignalFdFile f) => t.Group.Signals.SignalFds.Unregister(f);

    /// <summary>read on a signalfd: whole records only (a count below one record is EINVAL).</summary>
    /// <param name="t">The task.</param>
    /// <param name="f">The description.</param>
    /// <param name="buffer">The guest buffer.</param>
    /// <param name="count">Its size.</param>
    /// <returns>The bytes read, -errno, or a restart code.</returns>
    internal static long Read(Task t, SignalFdFile f, ulong buffer, ulong count)
    {
        long taken = Take(t, f, count, out byte[] records);
        if (taken <= 0)
        {
            return taken;
        }

        return t.CopyOut(buffer, records.AsSpan(0, (int)taken)) < 0 ? Efault : taken;
    }

    /// <summary>readv on a signalfd: the records fill the vector in order (one may straddle two elements).</summary>
    /// <param name="t">The task.</param>
    /// <param name="f">The description.</param>
    /// <param name="vector">The imported guest vector.</param>
    /// <returns>The bytes read, -errno, or a restart code.</returns>
    internal static long ReadVector(Task t, SignalFdFile f, ReadOnlySpan<IoVec> vector)
    {
        ulong total = 0;
        foreach (IoVec v in vector)
        {
            total += v.Length;
        }

        long taken = Take(t, f, total, out byte[] records);
        if (taken <= 0)
        {
            return taken;
        }

        int done = 0;
        foreach (IoVec v in vector)
        {
            int length = (int)Math.Min(v.Length, (ulong)(taken - done));
            if (length > 0 && t.CopyOut(v.Base, records.AsSpan(done, length)) < 0)
            {
                return done > 0 ? done : Efault;
            }

            done += length;
        }

        return done;
    }

    /// <summary>Takes as many whole records as <paramref name="room"/> holds (at least one, waiting for it unless the
    /// description is non-blocking).</summary>
    /// <returns>The bytes taken into <paramref name="records"/>, -errno, or a restart code.</returns>
    private static long Take(Task t, SignalFdFile f, ulong room, out byte[] records)
    {
        ulong wanted = room / RecordSize;
        records = [];
        if (wanted == 0)
        {
            return Einval;
        }

        int capacity = (int)Math.Min(wanted, (ulong)PendingSignals.MaxQueued + SignalNumber.SIGRTMAX);
        records = new byte[capacity * RecordSize];
        int done = 0;
        while (done < capacity)
        {
            if (!SignalDelivery.TryTakeFrom(t, f.Mask.Value, out SigInfo info))
            {
                if (done > 0)
                {
                    break;
                }

                long flags = Syscall(SyscallNumber.Fcntl, f.HostFd, (long)FcntlCommand.GetFl);
                if (flags >= 0 && (flags & NonBlockFlag) != 0)
                {
                    return -(long)LinuxError.EAGAIN;
                }

                long waited = InterruptibleWait.ForDescriptor(t, f.HostFd, InterruptibleWait.PollIn);
                if (waited < 0)
                {
                    return waited;
                }

                continue;
            }

            Encode(info, records.AsSpan(done * RecordSize, RecordSize));
            done++;
        }

        return (long)done * RecordSize;
    }

    /// <summary>Writes <paramref name="info"/> as <c>struct signalfd_siginfo</c>, with the fields Linux's
    /// <c>signalfd_copyinfo</c> copies for its layout.</summary>
    /// <param name="info">The siginfo.</param>
    /// <param name="r">The 128-byte record.</param>
    internal static void Encode(in SigInfo info, Span<byte> r)
    {
        r.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(r, info.Signal);
        BinaryPrimitives.WriteInt32LittleEndian(r[ErrnoOffset..], info.Errno);
        BinaryPrimitives.WriteInt32LittleEndian(r[CodeOffset..], info.Code);
        int code = info.Code;
        if (code > SignalCode.User && code < SignalCode.Kernel)
        {
            if (info.Signal == SignalNumber.SIGCHLD)
            {
                WriteSender(info, r);
                BinaryPrimitives.WriteInt32LittleEndian(r[StatusOffset..], info.Status);
                BinaryPrimitives.WriteInt64LittleEndian(r[UserTimeOffset..], info.UserTime);
                BinaryPrimitives.WriteInt64LittleEndian(r[SystemTimeOffset..], info.SystemTime);
            }
            else if (info.Signal is SignalNumber.SIGSEGV or SignalNumber.SIGBUS or SignalNumber.SIGILL or SignalNumber.SIGFPE or SignalNumber.SIGTRAP)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(r[AddressOffset..], info.Address);
            }

            return;
        }

        if (code == SignalCode.Timer)
        {
            BinaryPrimitives.WriteInt32LittleEndian(r[TidOffset..], info.TimerId);
            BinaryPrimitives.WriteInt32LittleEndian(r[OverrunOffset..], info.Overrun);
            WriteValue(info, r);
        }
        else if (code < SignalCode.User && code != SignalIo)
        {
            WriteSender(info, r);
            WriteValue(info, r);
        }
        else if (code != SignalIo)
        {
            WriteSender(info, r); // SI_USER, SI_KERNEL
        }
    }

    private static void WriteSender(in SigInfo info, Span<byte> r)
    {
        BinaryPrimitives.WriteInt32LittleEndian(r[PidOffset..], info.Pid);
        BinaryPrimitives.WriteUInt32LittleEndian(r[UidOffset..], info.Uid);
    }

    private static void WriteValue(in SigInfo info, Span<byte> r)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(r[PointerOffset..], info.Value);
        BinaryPrimitives.WriteInt32LittleEndian(r[IntOffset..], unchecked((int)info.Value));
    }
}
