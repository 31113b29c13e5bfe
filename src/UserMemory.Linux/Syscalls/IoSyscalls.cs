using System;
using System.Runtime.InteropServices;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;


namespace UserMemory.Linux.Syscalls;

/// <summary>
/// Data-path syscalls: read, write and their positional and vector forms, sendfile, copy_file_range and getrandom. The host kernel
/// answers for the file, so Linux's per-file answers to partly bad buffers come from the oracle itself.
/// </summary>
/// <remarks>
/// <para><b>Fast path.</b> The buffer is checked against the user range first (Linux's <c>access_ok</c>: a range that
/// wraps or passes the end of user space is EFAULT before the file is touched). When the core can prepare the whole
/// (MAX_RW_COUNT-capped) range for the access, populating lazy pages, the host call gets its kernel-view address: one
/// area lookup and one host call.</para>
/// <para><b>Slow path</b>, only when part of the range is inaccessible: the range is mirrored into a transient host
/// mapping carrying the guest's protections (<see cref="GuestBufferMirror"/>) and the host call runs on the mirror, so
/// a small pipe write that faults part-way is EFAULT, <c>/dev/null</c> answers the full count without touching the
/// buffer, a regular file gives a short count and <c>getrandom</c> the bytes it wrote, all as on Linux.</para>
/// <para><b>Vectors.</b> One host readv/writev (or preadv/pwritev and their v2 forms) on an iovec of validated (or
/// mirrored) elements, so the host's semantics hold for the whole vector: a pipe read returns after partial progress
/// instead of waiting per element, and a pipe write of at most PIPE_BUF is atomic (EAGAIN when it does not fit).</para>
/// <para>Everything a guest may trigger answers an errno; nothing here allocates on the fast path.</para>
/// </remarks>
internal static class IoSyscalls
{
    /// <summary>A host pointer that the host's own <c>access_ok</c> rejects (above every user address): handing it
    /// to the host reproduces Linux's order of checks (descriptor mode, seekability, then EFAULT) without letting the
    /// host touch anything.</summary>
    internal const long RejectedUserPointer = long.MinValue;

    /// <summary>The position argument of preadv2/pwritev2 that means "the file position, updated".</summary>
    private const long CurrentPosition = -1;

    /// <summary><c>RWF_NOWAIT</c>: preadv2/pwritev2 answer EAGAIN (or a short count) instead of waiting.</summary>
    private const long NoWaitFlag = 8;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Read, SupportLevel.Full, "", static (t, a) => Transfer(t, SyscallNumber.Read, a[0], a[1], a[2], 0));
        b.Add(SyscallNumber.Write, SupportLevel.Full, "", static (t, a) => Transfer(t, SyscallNumber.Write, a[0], a[1], a[2], 0));
        b.Add(SyscallNumber.Pread64, SupportLevel.Full, "", static (t, a) => PositionalTransfer(t, SyscallNumber.Pread64, a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Pwrite64, SupportLevel.Full, "", static (t, a) => PositionalTransfer(t, SyscallNumber.Pwrite64, a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Readv, SupportLevel.Full, "", static (t, a) => TransferVector(t, SyscallNumber.Readv, a[0], a[1], a[2], 0, 0));
        b.Add(SyscallNumber.Writev, SupportLevel.Full, "", static (t, a) => TransferVector(t, SyscallNumber.Writev, a[0], a[1], a[2], 0, 0));
        b.Add(SyscallNumber.Preadv, SupportLevel.Full, "", static (t, a) => PositionalVector(t, SyscallNumber.Preadv, a[0], a[1], a[2], (long)a[3], 0));
        b.Add(SyscallNumber.Pwritev, SupportLevel.Full, "", static (t, a) => PositionalVector(t, SyscallNumber.Pwritev, a[0], a[1], a[2], (long)a[3], 0));
        b.Add(SyscallNumber.Preadv2, SupportLevel.Full, "", static (t, a) => PositionalVector(t, SyscallNumber.Preadv2, a[0], a[1], a[2], (long)a[3], (long)a[5]));
        b.Add(SyscallNumber.Pwritev2, SupportLevel.Full, "", static (t, a) => PositionalVector(t, SyscallNumber.Pwritev2, a[0], a[1], a[2], (long)a[3], (long)a[5]));
        b.Add(SyscallNumber.Sendfile, SupportLevel.Full, "", static (t, a) => SendFile(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.CopyFileRange, SupportLevel.Full, "", static (t, a) => CopyFileRange(t, a[0], a[1], a[2], a[3], a[4], (long)a[5]));
        b.Add(SyscallNumber.Getrandom, SupportLevel.Full, "", static (t, a) => GetRandom(t, a[0], a[1], (long)a[2]));
    }

    /// <summary>
    /// The one place where a data transfer may wait in the host (an empty pipe, a full one, a terminal, a socket, the
    /// entropy pool). <b>Signals plug-in point:</b> the interruptible wait (EINTR, or a restart under SA_RESTART) wraps
    /// this call; every blocking host call of this file goes through here and nowhere else.
    /// </summary>
    /// <param name="t">The calling task (whose signals interrupt the wait).</param>
    /// <param name="nr">The host syscall.</param>
    /// <param name="pinned">A managed buffer whose address replaces argument <paramref name="slot"/>, or empty.</param>
    /// <param name="slot">The argument slot of <paramref name="pinned"/>, or <see cref="HostLinux.NoSlot"/>.</param>
    /// <param name="a0">Argument 1.</param>
    /// <param name="a1">Argument 2.</param>
    /// <param name="a2">Argument 3.</param>
    /// <param name="a3">Argument 4.</param>
    /// <param name="a4">Argument 5.</param>
    /// <param name="a5">Argument 6.</param>
    /// <returns>The result or -errno.</returns>
    private static long BlockingHostCall(Task t, SyscallNumber nr, Span<byte> pinned, int slot, long a0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        _ = t; // callers waited for readiness first (WaitUntilReady), outside any access scope
        return slot == HostLinux.NoSlot
            ? Syscall(nr, a0, a1, a2, a3, a4, a5)
            : HostSpanCall(nr, pinned, slot, a0, a1, a2, a3, a4, a5);
    }

    /// <summary>
    /// Waits, outside any access scope (a blocked read must never hold off another thread's munmap), until the host
    /// descriptor is ready for the transfer or a deliverable signal arrives (<see cref="InterruptibleWait"/>).
    /// Positional transfers (files) and empty ones do not wait.
    /// </summary>
    /// <returns>0 when ready; a restart code when a signal came first (delivery turns it into EINTR or a restart).</returns>
    private static long WaitUntilReady(Task t, long host, bool fills, bool positional, ulong count) =>
        positional || count == 0 ? 0 : InterruptibleWait.ForDescriptor(t, host, fills ? InterruptibleWait.PollIn : InterruptibleWait.PollOut);

    /// <summary>True for the calls that transfer at an explicit file position (pread/pwrite and the vector forms with
    /// a position other than "current"): they never wait on a pipe.</summary>
    private static bool IsPositional(SyscallNumber nr, long position) =>
        nr is SyscallNumber.Pread64 or SyscallNumber.Pwrite64
        || (nr is SyscallNumber.Preadv or SyscallNumber.Pwritev or SyscallNumber.Preadv2 or SyscallNumber.Pwritev2 && position != CurrentPosition);

    /// <summary>True for the calls that fill the guest's buffers (the host writes guest memory).</summary>
    private static bool FillsGuest(SyscallNumber nr) =>
        nr is SyscallNumber.Read or SyscallNumber.Pread64 or SyscallNumber.Readv or SyscallNumber.Preadv
            or SyscallNumber.Preadv2 or SyscallNumber.Getrandom;

    /// <summary>Linux's <c>access_ok</c> against the guest's user range: <c>address + size</c> neither wraps nor passes
    /// the end of user space.</summary>
    private static bool IsBelowUserEnd(AddrSpace space, ulong address, ulong size)
    {
        ulong end = space.UserRange.End.Value;
        return address <= end && size <= end - address;
    }

    /// <summary>pread64/pwrite64: a negative position is EINVAL before the descriptor is looked at.</summary>
    private static long PositionalTransfer(Task t, SyscallNumber nr, ulong fd, ulong buffer, ulong count, long position) =>
        position < 0 ? Einval : Transfer(t, nr, fd, buffer, count, position);

    /// <summary>read/write/pread64/pwrite64: see the class remarks.</summary>
    private static long Transfer(Task t, SyscallNumber nr, ulong fd, ulong buffer, ulong count, long position)
    {
        if (t.Fds.Get((long)fd) is SignalFdFile signalFd)
        {
            return nr switch
            {
                SyscallNumber.Read => SignalFdSyscalls.Read(t, signalFd, buffer, count),
                SyscallNumber.Pread64 => -(long)LinuxError.ESPIPE,
                _ => Einval,
            };
        }

        if (t.Fds.Get((long)fd) is SyntheticFile synthetic)
        {
            // /proc files rendered from guest state: served by the Fs room through a bounded staging copy.
            bool atPosition = nr is SyscallNumber.Pread64 or SyscallNumber.Pwrite64;
            return FileSyscalls.SyntheticReadWrite(t, synthetic, nr, buffer, count, atPosition ? (ulong)position : 0, atPosition);
        }

        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        AddrSpace space = t.Space;
        bool fills = FillsGuest(nr);
        if (!IsBelowUserEnd(space, buffer, count))
        {
            return Syscall(nr, host, RejectedUserPointer, (long)count, position);
        }

        ulong length = Math.Min(count, MaxTransfer);
        bool positional = IsPositional(nr, position);
        bool stream = IsStreamTransfer(t, fd, positional, length);
        ulong done = 0;
        while (true)
        {
            long ready = WaitUntilReady(t, host, fills, positional, length - done);
            if (ready < 0)
            {
                return done > 0 ? (long)done : ready; // a signal came first: EINTR, or a restart under SA_RESTART
            }

            long result = HostBufferCall(t, nr, host, buffer + done, length - done, position, stream, out bool mayHoldCode);
            if (mayHoldCode)
            {
                t.Cpu.FlushCode(buffer + done, buffer + done + (ulong)result);
            }

            if (Settle(t, stream, fills, host, result, length, ref done, out long answer))
            {
                return answer;
            }
        }
    }

    /// <summary>After one round of a transfer loop: true with the call's <paramref name="answer"/> when it is over;
    /// false when the loop waits (outside the scope) and goes again: a stream transfer that another reader or writer
    /// beat to the data (EAGAIN on a blocking description), or a blocking write with bytes left
    /// (<see cref="StreamWriteContinues"/>). An error after some progress answers the progress.</summary>
    private static bool Settle(Task t, bool stream, bool fills, long host, long result, ulong length, ref ulong done, out long answer)
    {
        answer = 0;
        if (stream && result == -(long)LinuxError.EAGAIN && !IsNonBlocking(host))
        {
            return false;
        }

        if (result < 0)
        {
            long failed = fills ? result : CheckBrokenPipe(t, result);
            answer = done > 0 ? (long)done : failed;
            return true;
        }

        done += (ulong)result;
        answer = (long)done;
        return !StreamWriteContinues(stream, fills, result, done, length, host);
    }

    /// <summary>True for a transfer on a pipe, FIFO or socket at the current position: it runs with
    /// <c>RWF_NOWAIT</c> inside the access scope, and whatever waiting it needs happens outside the scope
    /// (<see cref="WaitUntilReady"/>), where a signal interrupts it. A blocking host call inside the scope would hold
    /// off every other thread's <c>mmap</c>/<c>munmap</c> for as long as the peer takes, and no signal could end it:
    /// a Go program whose reading goroutine needed the map lock deadlocked with its writer that way.</summary>
    private static bool IsStreamTransfer(Task t, ulong fd, bool positional, ulong length) =>
        !positional && length != 0 && t.Fds.Get((long)fd) is HostFile { IsStream: true };

    /// <summary>After a stream transfer of <paramref name="result"/> bytes: a write to a blocking description goes on
    /// until everything is written (Linux's blocking pipe and socket writes do not return short unless a signal
    /// comes); a read, an empty transfer, a non-blocking description and a non-stream file stop here.</summary>
    private static bool StreamWriteContinues(bool stream, bool fills, long result, ulong done, ulong length, long host) =>
        stream && !fills && result > 0 && done < length && !IsNonBlocking(host);

    /// <summary>True when the host file description has <c>O_NONBLOCK</c> (the guest's own flag, shared as on
    /// Linux).</summary>
    private static bool IsNonBlocking(long host)
    {
        long flags = Syscall(SyscallNumber.Fcntl, host, (long)FcntlCommand.GetFl);
        return flags < 0 || (flags & (long)OpenFlags.NonBlock) != 0;
    }

    /// <summary>getrandom: Linux caps the length first and then checks the range (<c>import_ubuf</c>); the host
    /// checks the flags first.</summary>
    private static long GetRandom(Task t, ulong buffer, ulong length, long flags)
    {
        AddrSpace space = t.Space;
        length = Math.Min(length, MaxTransfer);
        if (!IsBelowUserEnd(space, buffer, length))
        {
            return Syscall(SyscallNumber.Getrandom, RejectedUserPointer, (long)length, flags);
        }

        long result = HostBufferCall(t, SyscallNumber.Getrandom, -1, buffer, length, flags, noWait: false, out bool mayHoldCode);
        if (mayHoldCode)
        {
            t.Cpu.FlushCode(buffer, buffer + (ulong)result);
        }

        return result;
    }

    /// <summary>One host call on one guest buffer already checked against the user range: on its kernel-view address
    /// when the core prepares all of it, else on a mirror.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="nr">read, write, pread64, pwrite64 (arguments fd, buffer, length, <paramref name="last"/>) or
    /// getrandom (buffer, length, <paramref name="last"/>).</param>
    /// <param name="host">The host descriptor (unused for getrandom).</param>
    /// <param name="buffer">The guest buffer.</param>
    /// <param name="length">Its capped length.</param>
    /// <param name="last">The position or flags.</param>
    /// <param name="noWait">A stream transfer (<see cref="IsStreamTransfer"/>): made with <c>RWF_NOWAIT</c>.</param>
    /// <param name="mayHoldCode">True when the call filled guest memory that may hold code (an executable area).</param>
    /// <returns>The host's result.</returns>
    private static long HostBufferCall(Task t, SyscallNumber nr, long host, ulong buffer, ulong length, long last, bool noWait, out bool mayHoldCode)
    {
        mayHoldCode = false;
        bool fills = FillsGuest(nr);
        if (length == 0)
        {
            return Invoke(t, nr, host, 0, 0, last); // nothing of the guest's can be touched
        }

        AddrSpace space = t.Space;
        MappingFlags need = fills ? MappingFlags.Write : MappingFlags.Read;
        long result;
        using (UserAccess access = UserAccess.Begin(space))
        {
            if (space.PrepareAccess(new VirtAddr(buffer), length, need, out nuint kernel) == LinuxError.None)
            {
                result = Invoke(t, nr, host, (long)kernel, (long)length, last, noWait);
            }
            else
            {
                result = GuestBufferMirror.Reserve(GuestBufferMirror.SpanOf(buffer, length), out GuestBufferMirror mirror);
                try
                {
                    if (result >= 0)
                    {
                        result = mirror.Add(space, buffer, length, need, out long mirrored);
                        if (result >= 0)
                        {
                            result = Invoke(t, nr, host, mirrored, (long)length, last, noWait);
                        }
                    }
                }
                finally
                {
                    mirror.Dispose();
                }
            }

            mayHoldCode = fills && result > 0 && MayHoldCode(space, buffer, (ulong)result);
        }

        return result;
    }

    private static long Invoke(Task t, SyscallNumber nr, long host, long address, long length, long last, bool noWait = false)
    {
        if (nr == SyscallNumber.Getrandom)
        {
            return BlockingHostCall(t, nr, default, HostLinux.NoSlot, address, length, last);
        }

        if (noWait)
        {
            // read/write at the current position as preadv2/pwritev2 of one element, without waiting.
            Span<IoVec> one = [new IoVec((ulong)address, (ulong)length)];
            SyscallNumber vectorForm = FillsGuest(nr) ? SyscallNumber.Preadv2 : SyscallNumber.Pwritev2;
            long r = HostSpanCall(vectorForm, MemoryMarshal.AsBytes(one), 1, host, 0, 1, CurrentPosition, 0, NoWaitFlag);
            if (r != -(long)LinuxError.EOPNOTSUPP)
            {
                return r;
            }
        }

        return BlockingHostCall(t, nr, default, HostLinux.NoSlot, host, address, length, last);
    }

    /// <summary>True when some area overlapping <c>[start, start + length)</c> is executable, so bytes just written
    /// there may be code the CPU has translated. Call inside an access scope.</summary>
    private static bool MayHoldCode(AddrSpace space, ulong start, ulong length)
    {
        ulong end = start + length;
        for (ulong at = start; at < end;)
        {
            if (space.TryGetHostBacking(at, out ulong next, out MappingFlags flags, out _, out _) && (flags & MappingFlags.Execute) != 0)
            {
                return true;
            }

            at = next;
        }

        return false;
    }

    /// <summary>preadv/pwritev (a negative position is EINVAL) and preadv2/pwritev2 (-1 means the file position;
    /// below that EINVAL), checked before the descriptor as Linux does.</summary>
    private static long PositionalVector(Task t, SyscallNumber nr, ulong fd, ulong iov, ulong count, long position, long flags)
    {
        bool currentAllowed = nr is SyscallNumber.Preadv2 or SyscallNumber.Pwritev2;
        if (position < 0 && !(currentAllowed && position == CurrentPosition))
        {
            return Einval;
        }

        return TransferVector(t, nr, fd, iov, count, position, flags);
    }

    /// <summary>The vector calls on a synthetic <c>/proc</c> file (musl's stdio reads with <c>readv</c>): the core
    /// imports the vector, then the elements are served in order as <c>read</c>/<c>write</c> serve one buffer, up to
    /// the first short transfer; an error after some progress returns the progress, as Linux's vector loop does.</summary>
    /// <summary>The vector calls on a signalfd: readv (and preadv2 at the current position) take records; a position
    /// is ESPIPE; writing is EINVAL, as Linux answers.</summary>
    private static long SignalFdVector(Task t, SignalFdFile f, SyscallNumber nr, ulong iov, ulong count, long position)
    {
        if (!FillsGuest(nr))
        {
            return Einval;
        }

        if (nr == SyscallNumber.Preadv && position < 0)
        {
            return Einval;
        }

        if (IsPositional(nr, position) || nr == SyscallNumber.Preadv)
        {
            return -(long)LinuxError.ESPIPE;
        }

        int capacity = count <= UserCopy.IovMax ? (int)count : 0;
        IoVec[] guest = new IoVec[capacity];
        int elements;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            LinuxError imported = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(iov)), (long)count, guest, out elements, out _);
            if (imported != LinuxError.None)
            {
                return -(long)imported;
            }
        }

        return SignalFdSyscalls.ReadVector(t, f, guest.AsSpan(0, elements));
    }

    private static long SyntheticVector(Task t, SyntheticFile f, SyscallNumber nr, ulong iov, ulong count, long position)
    {
        bool fills = FillsGuest(nr);
        bool positional = IsPositional(nr, position);
        int capacity = count <= UserCopy.IovMax ? (int)count : 0;
        Span<IoVec> guest = stackalloc IoVec[capacity];
        int elements;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            LinuxError imported = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(iov)), (long)count, guest, out elements, out _);
            if (imported != LinuxError.None)
            {
                return -(long)imported;
            }
        }

        SyscallNumber single = (fills, positional) switch
        {
            (true, true) => SyscallNumber.Pread64,
            (true, false) => SyscallNumber.Read,
            (false, true) => SyscallNumber.Pwrite64,
            (false, false) => SyscallNumber.Write,
        };
        long total = 0;
        ulong room = MaxTransfer;
        for (int i = 0; i < elements && room > 0; i++)
        {
            ulong length = Math.Min(guest[i].Length, room);
            if (length == 0)
            {
                continue;
            }

            long r = FileSyscalls.SyntheticReadWrite(t, f, single, guest[i].Base, length, positional ? (ulong)(position + total) : 0, positional);
            if (r < 0)
            {
                return total > 0 ? total : r;
            }

            total += r;
            room -= (ulong)r;
            if ((ulong)r < length)
            {
                break;
            }
        }

        return total;
    }

    /// <summary>readv/writev/preadv/pwritev/preadv2/pwritev2: the core imports the vector (IOV_MAX, negative counts
    /// and lengths, SSIZE_MAX totals: EINVAL; a buffer past the end of user space: EFAULT), the total is capped at
    /// MAX_RW_COUNT as Linux does, and one host call transfers the whole vector.</summary>
    private static long TransferVector(Task t, SyscallNumber nr, ulong fd, ulong iov, ulong count, long position, long flags)
    {
        if (t.Fds.Get((long)fd) is SyntheticFile synthetic)
        {
            return SyntheticVector(t, synthetic, nr, iov, count, position);
        }

        if (t.Fds.Get((long)fd) is SignalFdFile signalFd)
        {
            return SignalFdVector(t, signalFd, nr, iov, count, position);
        }

        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        AddrSpace space = t.Space;
        bool fills = FillsGuest(nr);
        bool guestNoWait = (flags & NoWaitFlag) != 0 && nr is SyscallNumber.Preadv2 or SyscallNumber.Pwritev2;
        bool positional = IsPositional(nr, position) || guestNoWait; // a guest's own RWF_NOWAIT never waits
        bool stream = IsStreamTransfer(t, fd, positional, count);
        MappingFlags need = fills ? MappingFlags.Write : MappingFlags.Read;
        int capacity = count <= UserCopy.IovMax ? (int)count : 0;
        Span<IoVec> guest = stackalloc IoVec[capacity];
        Span<IoVec> hostVector = stackalloc IoVec[capacity];
        int elements = -1; // imported (and capped at MAX_RW_COUNT) on the first round
        ulong total = 0;
        ulong done = 0;
        while (true)
        {
            // Before the import the element count stands for the total (only its being zero matters to the wait).
            long ready = WaitUntilReady(t, host, fills, positional, elements < 0 ? count : total - done);
            if (ready < 0)
            {
                return done > 0 ? (long)done : ready;
            }

            ulong codeStart = ulong.MaxValue;
            ulong codeEnd = 0;
            long result;
            using (UserAccess access = UserAccess.Begin(space))
            {
                if (elements < 0)
                {
                    LinuxError imported = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(iov)), (long)count, guest, out elements, out _);
                    if (imported != LinuxError.None)
                    {
                        // The host checks the descriptor's mode (and seekability) before it reads the vector: ask it
                        // with a vector it cannot read, so those errors come first as on Linux.
                        long r = Syscall(nr, host, RejectedUserPointer, 1, position, 0, flags);
                        return r < 0 && r != Efault ? r : -(long)imported;
                    }

                    total = CapVector(guest, ref elements);
                }

                result = VectorCall(t, nr, host, space, guest[..elements], hostVector, need, done, position, flags, stream);
                if (fills && result > 0)
                {
                    ulong left = (ulong)result;
                    for (int i = 0; i < elements && left > 0; i++)
                    {
                        ulong filled = Math.Min(left, guest[i].Length);
                        left -= filled;
                        if (MayHoldCode(space, guest[i].Base, filled))
                        {
                            codeStart = Math.Min(codeStart, guest[i].Base);
                            codeEnd = Math.Max(codeEnd, guest[i].Base + filled);
                        }
                    }
                }
            }

            if (codeStart < codeEnd)
            {
                t.Cpu.FlushCode(codeStart, codeEnd);
            }

            if (Settle(t, stream, fills, host, result, total, ref done, out long answer))
            {
                return answer;
            }
        }
    }

    /// <summary>Caps an imported vector at MAX_RW_COUNT as Linux does: lengths are cut to what is left, and the vector
    /// ends at the first element with nothing left.</summary>
    /// <returns>The capped total.</returns>
    private static ulong CapVector(Span<IoVec> guest, ref int elements)
    {
        ulong room = MaxTransfer;
        for (int i = 0; i < elements; i++)
        {
            ulong length = Math.Min(guest[i].Length, room);
            if (length == 0)
            {
                elements = i; // past MAX_RW_COUNT: Linux truncates the vector here
                break;
            }

            guest[i] = new IoVec(guest[i].Base, length);
            room -= length;
        }

        return MaxTransfer - room;
    }

    /// <summary>One host vector call on the guest elements after their first <paramref name="skip"/> bytes, each on
    /// its kernel-view address when the core prepares all of it, else on a mirror. A stream transfer runs as
    /// preadv2/pwritev2 with <c>RWF_NOWAIT</c>. Call inside an access scope.</summary>
    private static long VectorCall(Task t, SyscallNumber nr, long host, AddrSpace space, ReadOnlySpan<IoVec> guest, Span<IoVec> hostVector, MappingFlags need, ulong skip, long position, long flags, bool noWait)
    {
        int count = 0;
        ulong mirrorSize = 0;
        Span<ulong> firstBytes = stackalloc ulong[guest.Length];
        for (int i = 0; i < guest.Length; i++)
        {
            ulong start = guest[i].Base;
            ulong length = guest[i].Length;
            if (skip >= length)
            {
                skip -= length;
                continue;
            }

            start += skip;
            length -= skip;
            skip = 0;
            firstBytes[count] = start;
            if (space.PrepareAccess(new VirtAddr(start), length, need, out nuint kernel) == LinuxError.None)
            {
                hostVector[count] = new IoVec(kernel, length);
            }
            else
            {
                hostVector[count] = new IoVec(0, length); // mirrored below
                mirrorSize += GuestBufferMirror.SpanOf(start, length);
            }

            count++;
        }

        Span<byte> vectorBytes = MemoryMarshal.AsBytes(hostVector[..count]);
        long result = GuestBufferMirror.Reserve(mirrorSize, out GuestBufferMirror mirror);
        try
        {
            for (int i = 0; i < count && result >= 0 && mirrorSize != 0; i++)
            {
                if (hostVector[i].Base == 0)
                {
                    result = mirror.Add(space, firstBytes[i], hostVector[i].Length, need, out long mirrored);
                    hostVector[i] = new IoVec((ulong)mirrored, hostVector[i].Length);
                }
            }

            if (result < 0)
            {
                return result;
            }

            if (noWait)
            {
                SyscallNumber vectorForm = FillsGuest(nr) ? SyscallNumber.Preadv2 : SyscallNumber.Pwritev2;
                long extra = nr is SyscallNumber.Preadv2 or SyscallNumber.Pwritev2 ? flags : 0;
                result = HostSpanCall(vectorForm, vectorBytes, 1, host, 0, count, CurrentPosition, 0, extra | NoWaitFlag);
                if (result != -(long)LinuxError.EOPNOTSUPP)
                {
                    return result;
                }
            }

            return BlockingHostCall(t, nr, vectorBytes, 1, host, 0, count, position, 0, flags);
        }
        finally
        {
            mirror.Dispose();
        }
    }

    /// <summary>Raises SIGPIPE on EPIPE (the host runner ignores SIGPIPE, so the guest's signal is sent here and goes
    /// through normal delivery: default action, handler, mask).</summary>
    internal static long CheckBrokenPipe(Task t, long result)
    {
        if (result == -(long)LinuxError.EPIPE)
        {
            SignalDelivery.SendFromSelf(t, SignalNumber.SIGPIPE, SignalCode.User, toThread: true);
        }

        return result;
    }

    /// <summary>sendfile: Linux reads the offset before it looks at the descriptors and writes it back whatever the
    /// result; the count goes to the host as given (it rejects one above SSIZE_MAX and caps the rest).</summary>
    private static long SendFile(Task t, ulong outFd, ulong inFd, ulong offsetAddr, ulong count)
    {
        Span<byte> offset = stackalloc byte[sizeof(long)];
        if (offsetAddr != 0 && t.CopyIn(offsetAddr, offset) < 0)
        {
            return Efault;
        }

        if (!t.TryHostFd(outFd, out long hostOut) || !t.TryHostFd(inFd, out long hostIn))
        {
            return Ebadf;
        }

        if (offsetAddr == 0)
        {
            return CheckBrokenPipe(t, BlockingHostCall(t, SyscallNumber.Sendfile, default, HostLinux.NoSlot, hostOut, hostIn, 0, (long)count));
        }

        long r = BlockingHostCall(t, SyscallNumber.Sendfile, offset, 2, hostOut, hostIn, 0, (long)count);
        return t.CopyOut(offsetAddr, offset) < 0 ? Efault : CheckBrokenPipe(t, r);
    }

    /// <summary>copy_file_range: descriptors first, then the offsets (copied in; EFAULT), then the host (flags,
    /// ranges, file types); the offsets are written back after a transfer. An open descriptor with no host file
    /// behind it (a synthetic <c>/proc</c> file) answers as procfs does (EXDEV against a host file, EINVAL against
    /// another synthetic file), so callers fall back to read and write.</summary>
    private static long CopyFileRange(Task t, ulong inFd, ulong inOffsetAddr, ulong outFd, ulong outOffsetAddr, ulong length, long flags)
    {
        if (!t.Fds.IsOpen((long)inFd) || !t.Fds.IsOpen((long)outFd))
        {
            return Ebadf;
        }

        bool inIsHost = t.TryHostFd(inFd, out long hostIn);
        bool outIsHost = t.TryHostFd(outFd, out long hostOut);
        if (!inIsHost || !outIsHost)
        {
            // procfs against another file system is a cross-device copy; procfs with itself cannot splice.
            return inIsHost != outIsHost ? Errno(LinuxError.EXDEV) : Einval;
        }

        Span<byte> inOffset = inOffsetAddr == 0 ? default : stackalloc byte[sizeof(long)];
        Span<byte> outOffset = outOffsetAddr == 0 ? default : stackalloc byte[sizeof(long)];
        if ((inOffsetAddr != 0 && t.CopyIn(inOffsetAddr, inOffset) < 0) || (outOffsetAddr != 0 && t.CopyIn(outOffsetAddr, outOffset) < 0))
        {
            return Efault;
        }

        long r = HostSpanCall2(SyscallNumber.CopyFileRange, inOffset, 1, outOffset, 3, hostIn, 0, hostOut, 0, (long)length, flags);
        if (r > 0 && ((inOffsetAddr != 0 && t.CopyOut(inOffsetAddr, inOffset) < 0) || (outOffsetAddr != 0 && t.CopyOut(outOffsetAddr, outOffset) < 0)))
        {
            return Efault;
        }

        return r;
    }
}
