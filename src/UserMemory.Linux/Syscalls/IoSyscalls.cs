using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Data-path syscalls: read, write and their positional and vector forms, sendfile and getrandom. Guest
/// buffers are reached only through the core.</summary>
internal static class IoSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Read, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Read, a[0], a[1], a[2], 0, false));
        b.Add(SyscallNumber.Write, SupportLevel.Partial, "a partly bad buffer to a pipe gives a short count (Linux: EFAULT up to PIPE_BUF)", static (t, a) => ReadWrite(t, SyscallNumber.Write, a[0], a[1], a[2], 0, false));
        b.Add(SyscallNumber.Pread64, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Pread64, a[0], a[1], a[2], a[3], true));
        b.Add(SyscallNumber.Pwrite64, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Pwrite64, a[0], a[1], a[2], a[3], true));
        b.Add(SyscallNumber.Readv, SupportLevel.Full, "", static (t, a) => ReadWriteVector(t, SyscallNumber.Read, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Writev, SupportLevel.Full, "", static (t, a) => ReadWriteVector(t, SyscallNumber.Write, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Sendfile, SupportLevel.Full, "", static (t, a) => SendFile(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Getrandom, SupportLevel.Full, "", static (t, a) => GetRandom(t, a[0], a[1], a[2]));
    }

    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;

    /// <summary>read/write/pread64/pwrite64. The buffer's accessible prefix (checked and populated by the core) is
    /// handed to the host, so a partly bad buffer gives Linux's short count and a wholly bad one EFAULT.</summary>
    private static long ReadWrite(Task t, SyscallNumber nr, ulong fd, ulong buffer, ulong count, ulong offset, bool positional)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        if (positional && (long)offset < 0)
        {
            return Einval;
        }

        bool intoGuest = nr is SyscallNumber.Read or SyscallNumber.Pread64;
        count = Math.Min(count, MaxTransfer);
        long result;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            ulong prefix = AccessiblePrefix(in access, buffer, count, intoGuest);
            if (prefix == 0 && count > 0)
            {
                // Linux answers 0 for a read at the end of a regular file without touching the buffer.
                return intoGuest && IsAtEndOfRegularFile(host, positional ? (long)offset : -1) ? 0 : Efault;
            }

            scoped Span<byte> span = default;
            if (prefix > 0)
            {
                if (intoGuest)
                {
                    if (!UserPtr<byte>.FromAddress(new VirtAddr(buffer)).GetAsSlice(in access, prefix).TryGetValue(out span))
                    {
                        return Efault;
                    }
                }
                else
                {
                    if (!UserConstPtr<byte>.FromAddress(new VirtAddr(buffer)).GetAsSlice(in access, prefix).TryGetValue(out ReadOnlySpan<byte> source))
                    {
                        return Efault;
                    }

                    // The host only reads this span (write/pwrite64); the core validated it for reading.
                    span = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(source), source.Length);
                }
            }

            result = HostSpanCall(nr, span, 1, host, 0, (long)prefix, (long)offset);
        }

        return CheckBrokenPipe(t, result);
    }

    private static bool IsAtEndOfRegularFile(long host, long offset)
    {
        byte[] stat = new byte[144];
        if (HostSpanCall(SyscallNumber.Fstat, stat, 1, host) < 0 || (BitConverter.ToUInt32(stat, StatModeOffset) & FileTypeMask) != RegularFile)
        {
            return false;
        }

        long position = offset >= 0 ? offset : Syscall(SyscallNumber.Lseek, host, 0, 1 /* SEEK_CUR */);
        return position >= 0 && position >= BitConverter.ToInt64(stat, 48);
    }

    /// <summary>Emulates SIGPIPE's default action, which .NET (ignoring SIGPIPE on the host) would hide.</summary>
    private static long CheckBrokenPipe(Task t, long result)
    {
        if (result == -(long)LinuxError.EPIPE && t.Group.SignalHandlers[SignalNumber.SIGPIPE] == 0 && (t.SignalMask & (1UL << (SignalNumber.SIGPIPE - 1))) == 0)
        {
            t.Group.Terminate(SignalNumber.SIGPIPE);
        }

        return result;
    }

    /// <summary>readv/writev: IOV_MAX and SSIZE_MAX checks, then one transfer per element, stopping at the first short
    /// one, like Linux's iterator.</summary>
    private static long ReadWriteVector(Task t, SyscallNumber direction, ulong fd, ulong iov, ulong count)
    {
        if (!t.TryHostFd(fd, out _))
        {
            return Ebadf;
        }

        UserResult<IoVec[]> imported;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            imported = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(iov)), (long)count);
        }

        if (!imported.TryGetValue(out IoVec[]? vectors))
        {
            return -(long)imported.Error;
        }

        // One transfer per element, stopping at the first short one; the total is clamped to MAX_RW_COUNT.
        long done = 0;
        foreach (IoVec v in vectors)
        {
            ulong len = Math.Min(v.Length, MaxTransfer - (ulong)done);
            if (len == 0)
            {
                break;
            }

            long r = ReadWrite(t, direction, fd, v.Base, len, 0, false);
            if (r < 0)
            {
                return done > 0 ? done : r;
            }

            done += r;
            if ((ulong)r < len)
            {
                break;
            }
        }

        return done;
    }

    private static long SendFile(Task t, ulong outFd, ulong inFd, ulong offsetAddr, ulong count)
    {
        if (!t.TryHostFd(outFd, out long hostOut) || !t.TryHostFd(inFd, out long hostIn))
        {
            return Ebadf;
        }

        if (offsetAddr == 0)
        {
            return CheckBrokenPipe(t, Syscall(SyscallNumber.Sendfile, hostOut, hostIn, 0, (long)Math.Min(count, MaxTransfer)));
        }

        byte[] offset = new byte[8];
        if (t.CopyIn(offsetAddr, offset) < 0)
        {
            return Efault;
        }

        long r = HostSpanCall(SyscallNumber.Sendfile, offset, 2, hostOut, hostIn, 0, (long)Math.Min(count, MaxTransfer));
        if (r >= 0 && t.CopyOut(offsetAddr, offset) < 0)
        {
            return Efault;
        }

        return CheckBrokenPipe(t, r);
    }

    private static long GetRandom(Task t, ulong bufAddr, ulong length, ulong flags)
    {
        byte[] buffer = new byte[Math.Min(length, 1UL << 20)];
        long r = HostSpanCall(SyscallNumber.Getrandom, buffer, 0, 0, buffer.Length, (long)flags);
        return r <= 0 ? r : (t.CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }
}
