using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>File syscalls: passed through to the host file system, descriptors translated, guest memory reached only
/// through the core.</summary>
public sealed partial class GuestProcess
{
    private const long OCloexec = 0x80000;

    /// <summary>read/write/pread64/pwrite64. The buffer's accessible prefix (checked and populated by the core) is
    /// handed to the host, so a partly bad buffer gives Linux's short count and a wholly bad one EFAULT.</summary>
    private long ReadWrite(long nr, ulong fd, ulong buffer, ulong count, ulong offset, bool positional)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        if (positional && (long)offset < 0)
        {
            return Einval;
        }

        bool intoGuest = nr is 0 or 17;
        count = Math.Min(count, MaxTransfer);
        long result;
        using (UserAccess access = UserAccess.Begin(Space))
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

        return CheckBrokenPipe(result);
    }

    private static bool IsAtEndOfRegularFile(long host, long offset)
    {
        byte[] stat = new byte[144];
        if (HostSpanCall(5, stat, 1, host) < 0 || (BitConverter.ToUInt32(stat, 24) & 0xF000) != 0x8000)
        {
            return false;
        }

        long position = offset >= 0 ? offset : Syscall(8, host, 0, 1 /* SEEK_CUR */);
        return position >= 0 && position >= BitConverter.ToInt64(stat, 48);
    }

    /// <summary>Emulates SIGPIPE's default action, which .NET (ignoring SIGPIPE on the host) would hide.</summary>
    private long CheckBrokenPipe(long result)
    {
        if (result == -(long)LinuxError.EPIPE && SignalHandlers[Signals.SIGPIPE] == 0 && (SignalMask & (1UL << (Signals.SIGPIPE - 1))) == 0)
        {
            Terminate(Signals.SIGPIPE);
        }

        return result;
    }

    /// <summary>readv/writev: IOV_MAX and SSIZE_MAX checks, then one transfer per element, stopping at the first short
    /// one, like Linux's iterator.</summary>
    private long ReadWriteVector(int direction, ulong fd, ulong iov, ulong count)
    {
        if (!TryHostFd(fd, out _))
        {
            return Ebadf;
        }

        UserResult<IoVec[]> imported;
        using (UserAccess access = UserAccess.Begin(Space))
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

            long r = ReadWrite(direction, fd, v.Base, len, 0, false);
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

    private long OpenAt(long dirFd, ulong pathAddr, ulong flags, ulong mode)
    {
        long r = ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        long host = HostSpanCall(257, path, 1, hostDir, 0, (long)flags & ~OCloexec, (long)mode);
        return host < 0 ? host : AddFd(host, ((long)flags & OCloexec) != 0, 0);
    }

    private long AddFd(long host, bool closeOnExec, long lowest)
    {
        int guest = Fds.Add((int)host, closeOnExec, lowest);
        if (guest < 0)
        {
            Syscall(3, host);
        }

        return guest;
    }

    private long Close(ulong fd)
    {
        int host = Fds.Remove((long)fd);
        if (host < 0)
        {
            return Ebadf;
        }

        long r = Syscall(3, host);
        return r == -(long)LinuxError.EINTR ? 0 : r;
    }

    private long FdCall(long nr, ulong fd, ulong a1, ulong a2)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        return Syscall(nr, host, (long)a1, (long)a2);
    }

    /// <summary>A syscall on a descriptor that writes a fixed-size struct (fstat, fstatfs).</summary>
    private long FdOut(long nr, ulong fd, ulong outAddr, int size)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[size];
        long r = HostSpanCall(nr, buffer, 1, host);
        return r < 0 ? r : (CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    /// <summary>A syscall without descriptors that writes a fixed-size struct (argument <paramref name="outAddr"/> at
    /// slot 0, or slot 1 after <paramref name="first"/> when given).</summary>
    private long OutCall(long nr, ulong outAddr, int size, long? first = null)
    {
        byte[] buffer = new byte[size];
        long r = first is long f ? HostSpanCall(nr, buffer, 1, f) : HostSpanCall(nr, buffer, 0);
        return r < 0 ? r : (CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    private long PathOutCall(long nr, ulong pathAddr, ulong outAddr, int size)
    {
        long r = ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        byte[] buffer = new byte[size];
        r = HostSpanCall2(nr, path, 0, buffer, 1);
        return r < 0 ? r : (CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    private long StatPath(long dirFd, ulong pathAddr, ulong statAddr, long flags)
    {
        long r = ReadPath(pathAddr, (flags & 0x1000 /* AT_EMPTY_PATH */) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] stat = new byte[144];
        r = HostSpanCall2(262, path, 1, stat, 2, hostDir, 0, 0, flags);
        return r < 0 ? r : (CopyOut(statAddr, stat) < 0 ? Efault : r);
    }

    private long StatxCall(long dirFd, ulong pathAddr, long flags, long mask, ulong outAddr)
    {
        long r = ReadPath(pathAddr, (flags & 0x1000) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] stat = new byte[256];
        r = HostSpanCall2(332, path, 1, stat, 4, hostDir, 0, flags, mask);
        return r < 0 ? r : (CopyOut(outAddr, stat) < 0 ? Efault : r);
    }

    /// <summary>A *at syscall: (dirfd, path, a2, a3, a4) on the host, or (path, a2, a3) when <paramref name="noDirFd"/>.</summary>
    private long PathCall(long nr, long dirFd, ulong pathAddr, long a2, long a3, bool noDirFd = false, long extra = 0)
    {
        long r = ReadPath(pathAddr, nr == 260 && (extra & 0x1000) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (noDirFd)
        {
            return HostSpanCall(nr, path, 0, 0, a2, a3);
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        return HostSpanCall(nr, path, 1, hostDir, 0, a2, a3, extra);
    }

    private long TwoPathCall(long nr, long oldDir, ulong oldAddr, long newDir, ulong newAddr, long flags)
    {
        long r = ReadPath(oldAddr, false, out byte[] oldPath);
        if (r < 0)
        {
            return r;
        }

        r = ReadPath(newAddr, false, out byte[] newPath);
        if (r < 0)
        {
            return r;
        }

        if (!TryDirFd(oldDir, out long hostOld) || !TryDirFd(newDir, out long hostNew))
        {
            return Ebadf;
        }

        return HostSpanCall2(nr, oldPath, 1, newPath, 3, hostOld, 0, hostNew, 0, flags);
    }

    private long SymlinkAt(ulong targetAddr, long dirFd, ulong linkAddr)
    {
        long r = ReadPath(targetAddr, false, out byte[] target);
        if (r < 0)
        {
            return r;
        }

        r = ReadPath(linkAddr, false, out byte[] link);
        if (r < 0)
        {
            return r;
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        return HostSpanCall2(266, target, 0, link, 2, 0, hostDir, 0);
    }

    private long ReadLinkAt(long dirFd, ulong pathAddr, ulong bufAddr, ulong size)
    {
        if ((long)size <= 0)
        {
            return Einval;
        }

        long r = ReadPath(pathAddr, false, out byte[] path, out bool namedOwnExe);
        if (r < 0)
        {
            return r;
        }

        if (namedOwnExe)
        {
            int len = (int)Math.Min((ulong)ExecutablePath.Length, size);
            return CopyOut(bufAddr, ExecutablePath.AsSpan(0, len)) < 0 ? Efault : len;
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[Math.Min(size, PathMax)];
        r = HostSpanCall2(267, path, 1, buffer, 2, hostDir, 0, 0, buffer.Length);
        return r < 0 ? r : (CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private long GetCwd(ulong bufAddr, ulong size)
    {
        byte[] buffer = new byte[Math.Min(size, PathMax)];
        long r = HostSpanCall(79, buffer, 0, 0, buffer.Length);
        if (r < 0)
        {
            return r;
        }

        return CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r;
    }

    private long GetDents64(ulong fd, ulong bufAddr, ulong count)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[Math.Min(count, 1UL << 16)];
        long r = HostSpanCall(217, buffer, 1, host, 0, buffer.Length);
        if (r <= 0)
        {
            return r;
        }

        return CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r;
    }

    private long Dup(ulong fd, long lowest, bool closeOnExec)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        long copy = Syscall(32, host);
        return copy < 0 ? copy : AddFd(copy, closeOnExec, lowest);
    }

    private long Dup2(ulong oldFd, ulong newFd, ulong flags, bool legacy)
    {
        if (!TryHostFd(oldFd, out long host))
        {
            return Ebadf;
        }

        if (newFd >= FdTable.Limit)
        {
            return Ebadf;
        }

        if (oldFd == newFd)
        {
            return legacy ? (long)newFd : Einval;
        }

        if ((flags & ~(ulong)OCloexec) != 0)
        {
            return Einval;
        }

        long copy = Syscall(32, host);
        if (copy < 0)
        {
            return copy;
        }

        int previous = Fds.Place((int)newFd, (int)copy, (flags & (ulong)OCloexec) != 0);
        if (previous >= 0)
        {
            Syscall(3, previous);
        }

        return (long)newFd;
    }

    private long Pipe(ulong fdsAddr, ulong flags)
    {
        if ((flags & ~(ulong)(OCloexec | 0x800 /* O_NONBLOCK */ | 0x4000 /* O_DIRECT */)) != 0)
        {
            return Einval;
        }

        byte[] hostFds = new byte[8];
        long r = HostSpanCall(293, hostFds, 0, 0, (long)flags & ~OCloexec);
        if (r < 0)
        {
            return r;
        }

        bool cloexec = (flags & (ulong)OCloexec) != 0;
        int h0 = BitConverter.ToInt32(hostFds, 0);
        int h1 = BitConverter.ToInt32(hostFds, 4);
        int g0 = Fds.Add(h0, cloexec);
        int g1 = g0 < 0 ? -1 : Fds.Add(h1, cloexec);
        if (g0 < 0 || g1 < 0)
        {
            if (g0 >= 0)
            {
                Fds.Remove(g0);
            }

            Syscall(3, h0);
            Syscall(3, h1);
            return -(long)LinuxError.EMFILE;
        }

        byte[] guestFds = new byte[8];
        BitConverter.TryWriteBytes(guestFds.AsSpan(0), g0);
        BitConverter.TryWriteBytes(guestFds.AsSpan(4), g1);
        if (CopyOut(fdsAddr, guestFds) < 0)
        {
            Close((ulong)g0);
            Close((ulong)g1);
            return Efault;
        }

        return 0;
    }

    private long Fcntl(ulong fd, ulong cmd, ulong arg)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        switch (cmd)
        {
            case 0: // F_DUPFD
            case 1030: // F_DUPFD_CLOEXEC
                if ((long)arg < 0 || arg >= FdTable.Limit)
                {
                    return Einval;
                }

                return Dup(fd, (long)arg, cmd == 1030);
            case 1: // F_GETFD
                return Fds.IsCloseOnExec((long)fd) ? 1 : 0;
            case 2: // F_SETFD
                Fds.SetCloseOnExec((long)fd, (arg & 1) != 0);
                return 0;
            case 3: // F_GETFL
            case 4: // F_SETFL
                return Syscall(72, host, (long)cmd, (long)arg);
            case 5: // F_GETLK
            case 6: // F_SETLK
            case 7: // F_SETLKW
                {
                    byte[] flock = new byte[32];
                    if (CopyIn(arg, flock) < 0)
                    {
                        return Efault;
                    }

                    long r = HostSpanCall(72, flock, 2, host, (long)cmd);
                    return r < 0 || cmd != 5 ? r : (CopyOut(arg, flock) < 0 ? Efault : r);
                }

            default:
                return Einval;
        }
    }

    private long Ioctl(ulong fd, ulong request, ulong arg)
    {
        if (!TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        int outSize = request switch
        {
            0x5401 => 36, // TCGETS
            0x5413 => 8, // TIOCGWINSZ
            0x540F => 4, // TIOCGPGRP
            0x541B => 4, // FIONREAD
            _ => -1,
        };
        if (outSize > 0)
        {
            byte[] buffer = new byte[outSize];
            long r = HostSpanCall(16, buffer, 2, host, (long)request);
            return r < 0 ? r : (CopyOut(arg, buffer) < 0 ? Efault : r);
        }

        int inSize = request switch
        {
            0x5402 or 0x5403 or 0x5404 => 36, // TCSETS, TCSETSW, TCSETSF
            0x5414 => 8, // TIOCSWINSZ
            0x5410 => 4, // TIOCSPGRP
            _ => -1,
        };
        if (inSize > 0)
        {
            byte[] buffer = new byte[inSize];
            return CopyIn(arg, buffer) < 0 ? Efault : HostSpanCall(16, buffer, 2, host, (long)request);
        }

        return -(long)LinuxError.ENOTTY;
    }

    private long SendFile(ulong outFd, ulong inFd, ulong offsetAddr, ulong count)
    {
        if (!TryHostFd(outFd, out long hostOut) || !TryHostFd(inFd, out long hostIn))
        {
            return Ebadf;
        }

        if (offsetAddr == 0)
        {
            return CheckBrokenPipe(Syscall(40, hostOut, hostIn, 0, (long)Math.Min(count, MaxTransfer)));
        }

        byte[] offset = new byte[8];
        if (CopyIn(offsetAddr, offset) < 0)
        {
            return Efault;
        }

        long r = HostSpanCall(40, offset, 2, hostOut, hostIn, 0, (long)Math.Min(count, MaxTransfer));
        if (r >= 0 && CopyOut(offsetAddr, offset) < 0)
        {
            return Efault;
        }

        return CheckBrokenPipe(r);
    }

    private long UtimensAt(long dirFd, ulong pathAddr, ulong timesAddr, long flags)
    {
        byte[]? times = null;
        if (timesAddr != 0)
        {
            times = new byte[32];
            if (CopyIn(timesAddr, times) < 0)
            {
                return Efault;
            }
        }

        if (!TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        if (pathAddr == 0)
        {
            return HostSpanCall(280, times, 2, hostDir, 0, 0, flags);
        }

        long r = ReadPath(pathAddr, (flags & 0x1000) != 0, out byte[] path);
        return r < 0 ? r : HostSpanCall2(280, path, 1, times, 2, hostDir, 0, 0, flags);
    }
}
