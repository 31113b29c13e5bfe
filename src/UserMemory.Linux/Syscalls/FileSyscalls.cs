using System.Runtime.InteropServices;
using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>File syscalls: passed through to the host file system, descriptors translated, guest memory reached only
/// through the core.</summary>
internal static class FileSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Read, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Read, a[0], a[1], a[2], 0, false));
        b.Add(SyscallNumber.Write, SupportLevel.Partial, "a partly bad buffer to a pipe gives a short count (Linux: EFAULT up to PIPE_BUF)", static (t, a) => ReadWrite(t, SyscallNumber.Write, a[0], a[1], a[2], 0, false));
        b.Add(SyscallNumber.Open, SupportLevel.Full, "", static (t, a) => OpenAt(t, AtFdCwd, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Close, SupportLevel.Full, "", static (t, a) => Close(t, a[0]));
        b.Add(SyscallNumber.Stat, SupportLevel.Full, "", static (t, a) => StatPath(t, AtFdCwd, a[0], a[1], 0));
        b.Add(SyscallNumber.Fstat, SupportLevel.Full, "", static (t, a) => FdOut(t, SyscallNumber.Fstat, a[0], a[1], StatSize));
        b.Add(SyscallNumber.Lstat, SupportLevel.Full, "", static (t, a) => StatPath(t, AtFdCwd, a[0], a[1], (long)AtFlags.SymlinkNoFollow));
        b.Add(SyscallNumber.Lseek, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Lseek, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Ioctl, SupportLevel.Partial, "terminal requests only (TCGETS/TCSETS*, TIOC[GS]WINSZ, TIOC[GS]PGRP, FIONREAD); others ENOTTY", static (t, a) => Ioctl(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Pread64, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Pread64, a[0], a[1], a[2], a[3], true));
        b.Add(SyscallNumber.Pwrite64, SupportLevel.Full, "", static (t, a) => ReadWrite(t, SyscallNumber.Pwrite64, a[0], a[1], a[2], a[3], true));
        b.Add(SyscallNumber.Readv, SupportLevel.Full, "", static (t, a) => ReadWriteVector(t, SyscallNumber.Read, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Writev, SupportLevel.Full, "", static (t, a) => ReadWriteVector(t, SyscallNumber.Write, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Access, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Pipe, SupportLevel.Full, "", static (t, a) => Pipe(t, a[0], 0));
        b.Add(SyscallNumber.Dup, SupportLevel.Full, "", static (t, a) => Dup(t, a[0], 0, false));
        b.Add(SyscallNumber.Dup2, SupportLevel.Full, "", static (t, a) => Dup2(t, a[0], a[1], 0, true));
        b.Add(SyscallNumber.Sendfile, SupportLevel.Full, "", static (t, a) => SendFile(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Fcntl, SupportLevel.Partial, "F_DUPFD[_CLOEXEC], F_[GS]ETFD, F_[GS]ETFL, F_GETLK/F_SETLK[W]; others EINVAL", static (t, a) => Fcntl(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Flock, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Flock, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Fsync, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fsync, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Fdatasync, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fdatasync, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Truncate, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Truncate, AtFdCwd, a[0], (long)a[1], 0, noDirFd: true));
        b.Add(SyscallNumber.Ftruncate, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Ftruncate, a[0], a[1], 0));
        b.Add(SyscallNumber.Getdents, SupportLevel.Unsupported, "the old getdents; getdents64 works", static (t, a) => Errno(LinuxError.ENOSYS));
        b.Add(SyscallNumber.Getcwd, SupportLevel.Full, "", static (t, a) => GetCwd(t, a[0], a[1]));
        b.Add(SyscallNumber.Chdir, SupportLevel.Partial, "changes the runner's host working directory", static (t, a) => PathCall(t, SyscallNumber.Chdir, AtFdCwd, a[0], 0, 0, noDirFd: true));
        b.Add(SyscallNumber.Fchdir, SupportLevel.Partial, "changes the runner's host working directory", static (t, a) => FdCall(t, SyscallNumber.Fchdir, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Rename, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, AtFdCwd, a[0], AtFdCwd, a[1], 0));
        b.Add(SyscallNumber.Mkdir, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mkdirat, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Rmdir, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, AtFdCwd, a[0], (long)AtFlags.RemoveDirectory, 0));
        b.Add(SyscallNumber.Creat, SupportLevel.Full, "", static (t, a) => OpenAt(t, AtFdCwd, a[0], (ulong)(OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Truncate), a[1]));
        b.Add(SyscallNumber.Link, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Linkat, AtFdCwd, a[0], AtFdCwd, a[1], 0));
        b.Add(SyscallNumber.Unlink, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, AtFdCwd, a[0], 0, 0));
        b.Add(SyscallNumber.Symlink, SupportLevel.Full, "", static (t, a) => SymlinkAt(t, a[0], AtFdCwd, a[1]));
        b.Add(SyscallNumber.Readlink, SupportLevel.Partial, "/proc/self/exe is translated; other /proc links show the runner", static (t, a) => ReadLinkAt(t, AtFdCwd, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Chmod, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchmodat, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Fchmod, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fchmod, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Chown, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, AtFdCwd, a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Fchown, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fchown, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Lchown, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, AtFdCwd, a[0], (long)a[1], (long)a[2], extra: (long)AtFlags.SymlinkNoFollow));
        b.Add(SyscallNumber.Umask, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Umask, (long)a[0]));
        b.Add(SyscallNumber.Statfs, SupportLevel.Full, "", static (t, a) => PathOutCall(t, SyscallNumber.Statfs, a[0], a[1], StatfsSize));
        b.Add(SyscallNumber.Fstatfs, SupportLevel.Full, "", static (t, a) => FdOut(t, SyscallNumber.Fstatfs, a[0], a[1], StatfsSize));
        b.Add(SyscallNumber.Getdents64, SupportLevel.Full, "", static (t, a) => GetDents64(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Openat, SupportLevel.Full, "", static (t, a) => OpenAt(t, (long)a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Mkdirat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mkdirat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Mknodat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mknodat, (long)a[0], a[1], (long)a[2], (long)a[3]));
        b.Add(SyscallNumber.Fchownat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, (long)a[0], a[1], (long)a[2], (long)a[3], extra: (long)a[4]));
        b.Add(SyscallNumber.Newfstatat, SupportLevel.Full, "", static (t, a) => StatPath(t, (long)a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Unlinkat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Renameat, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, (long)a[0], a[1], (long)a[2], a[3], 0));
        b.Add(SyscallNumber.Linkat, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Linkat, (long)a[0], a[1], (long)a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Symlinkat, SupportLevel.Full, "", static (t, a) => SymlinkAt(t, a[0], (long)a[1], a[2]));
        b.Add(SyscallNumber.Readlinkat, SupportLevel.Partial, "/proc/self/exe is translated; other /proc links show the runner", static (t, a) => ReadLinkAt(t, (long)a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Fchmodat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchmodat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Faccessat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat2, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Faccessat2, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat2, (long)a[0], a[1], (long)a[2], (long)a[3]));
        b.Add(SyscallNumber.Utimensat, SupportLevel.Full, "", static (t, a) => UtimensAt(t, (long)a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Dup3, SupportLevel.Full, "", static (t, a) => Dup2(t, a[0], a[1], a[2], false));
        b.Add(SyscallNumber.Pipe2, SupportLevel.Full, "", static (t, a) => Pipe(t, a[0], a[1]));
        b.Add(SyscallNumber.Renameat2, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, (long)a[0], a[1], (long)a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Statx, SupportLevel.Full, "", static (t, a) => StatxCall(t, (long)a[0], a[1], (long)a[2], (long)a[3], a[4]));
    }

    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const int TermiosSize = 36; // struct termios (kernel layout)
    private const int WindowSizeSize = 8; // struct winsize
    private const long OCloexec = (long)OpenFlags.CloseOnExec;

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
        long result = positional || count == 0 ? 0 : InterruptibleWait.ForDescriptor(t, host, intoGuest ? InterruptibleWait.PollIn : InterruptibleWait.PollOut);
        if (result < 0)
        {
            return result; // a signal came first: EINTR, or a restart under SA_RESTART
        }

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
        if (result == -(long)LinuxError.EPIPE)
        {
            SignalDelivery.SendFromSelf(t, SignalNumber.SIGPIPE, SignalCode.User, toThread: true);
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

    private static long OpenAt(Task t, long dirFd, ulong pathAddr, ulong flags, ulong mode)
    {
        long r = t.ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        long host = HostSpanCall(SyscallNumber.Openat, path, 1, hostDir, 0, (long)flags & ~OCloexec, (long)mode);
        return host < 0 ? host : AddFd(t, host, ((long)flags & OCloexec) != 0, 0);
    }

    private static long AddFd(Task t, long host, bool closeOnExec, long lowest)
    {
        int guest = t.Fds.Add((int)host, closeOnExec, lowest);
        if (guest < 0)
        {
            Syscall(SyscallNumber.Close, host);
        }

        return guest;
    }

    private static long Close(Task t, ulong fd)
    {
        int host = t.Fds.Remove((long)fd);
        if (host < 0)
        {
            return Ebadf;
        }

        long r = Syscall(SyscallNumber.Close, host);
        return r == -(long)LinuxError.EINTR ? 0 : r;
    }

    private static long FdCall(Task t, SyscallNumber nr, ulong fd, ulong a1, ulong a2)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        return Syscall(nr, host, (long)a1, (long)a2);
    }

    /// <summary>A syscall on a descriptor that writes a fixed-size struct (fstat, fstatfs).</summary>
    private static long FdOut(Task t, SyscallNumber nr, ulong fd, ulong outAddr, int size)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[size];
        long r = HostSpanCall(nr, buffer, 1, host);
        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    private static long PathOutCall(Task t, SyscallNumber nr, ulong pathAddr, ulong outAddr, int size)
    {
        long r = t.ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        byte[] buffer = new byte[size];
        r = HostSpanCall2(nr, path, 0, buffer, 1);
        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    private static long StatPath(Task t, long dirFd, ulong pathAddr, ulong statAddr, long flags)
    {
        long r = t.ReadPath(pathAddr, (flags & (long)AtFlags.EmptyPath) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] stat = new byte[144];
        r = HostSpanCall2(SyscallNumber.Newfstatat, path, 1, stat, 2, hostDir, 0, 0, flags);
        return r < 0 ? r : (t.CopyOut(statAddr, stat) < 0 ? Efault : r);
    }

    private static long StatxCall(Task t, long dirFd, ulong pathAddr, long flags, long mask, ulong outAddr)
    {
        long r = t.ReadPath(pathAddr, (flags & (long)AtFlags.EmptyPath) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] stat = new byte[256];
        r = HostSpanCall2(SyscallNumber.Statx, path, 1, stat, 4, hostDir, 0, flags, mask);
        return r < 0 ? r : (t.CopyOut(outAddr, stat) < 0 ? Efault : r);
    }

    /// <summary>A *at syscall: (dirfd, path, a2, a3, a4) on the host, or (path, a2, a3) when <paramref name="noDirFd"/>.</summary>
    private static long PathCall(Task t, SyscallNumber nr, long dirFd, ulong pathAddr, long a2, long a3, bool noDirFd = false, long extra = 0)
    {
        long r = t.ReadPath(pathAddr, nr == SyscallNumber.Fchownat && (extra & (long)AtFlags.EmptyPath) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (noDirFd)
        {
            return HostSpanCall(nr, path, 0, 0, a2, a3);
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        return HostSpanCall(nr, path, 1, hostDir, 0, a2, a3, extra);
    }

    private static long TwoPathCall(Task t, SyscallNumber nr, long oldDir, ulong oldAddr, long newDir, ulong newAddr, long flags)
    {
        long r = t.ReadPath(oldAddr, false, out byte[] oldPath);
        if (r < 0)
        {
            return r;
        }

        r = t.ReadPath(newAddr, false, out byte[] newPath);
        if (r < 0)
        {
            return r;
        }

        if (!t.TryDirFd(oldDir, out long hostOld) || !t.TryDirFd(newDir, out long hostNew))
        {
            return Ebadf;
        }

        return HostSpanCall2(nr, oldPath, 1, newPath, 3, hostOld, 0, hostNew, 0, flags);
    }

    private static long SymlinkAt(Task t, ulong targetAddr, long dirFd, ulong linkAddr)
    {
        long r = t.ReadPath(targetAddr, false, out byte[] target);
        if (r < 0)
        {
            return r;
        }

        r = t.ReadPath(linkAddr, false, out byte[] link);
        if (r < 0)
        {
            return r;
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        return HostSpanCall2(SyscallNumber.Symlinkat, target, 0, link, 2, 0, hostDir, 0);
    }

    private static long ReadLinkAt(Task t, long dirFd, ulong pathAddr, ulong bufAddr, ulong size)
    {
        if ((long)size <= 0)
        {
            return Einval;
        }

        long r = t.ReadPath(pathAddr, false, out byte[] path, out bool namedOwnExe);
        if (r < 0)
        {
            return r;
        }

        if (namedOwnExe)
        {
            int len = (int)Math.Min((ulong)t.Group.ExecutablePath.Length, size);
            return t.CopyOut(bufAddr, t.Group.ExecutablePath.AsSpan(0, len)) < 0 ? Efault : len;
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[Math.Min(size, PathMax)];
        r = HostSpanCall2(SyscallNumber.Readlinkat, path, 1, buffer, 2, hostDir, 0, 0, buffer.Length);
        return r < 0 ? r : (t.CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private static long GetCwd(Task t, ulong bufAddr, ulong size)
    {
        byte[] buffer = new byte[Math.Min(size, PathMax)];
        long r = HostSpanCall(SyscallNumber.Getcwd, buffer, 0, 0, buffer.Length);
        if (r < 0)
        {
            return r;
        }

        return t.CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r;
    }

    private static long GetDents64(Task t, ulong fd, ulong bufAddr, ulong count)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] buffer = new byte[Math.Min(count, 1UL << 16)];
        long r = HostSpanCall(SyscallNumber.Getdents64, buffer, 1, host, 0, buffer.Length);
        if (r <= 0)
        {
            return r;
        }

        return t.CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r;
    }

    private static long Dup(Task t, ulong fd, long lowest, bool closeOnExec)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        long copy = Syscall(SyscallNumber.Dup, host);
        return copy < 0 ? copy : AddFd(t, copy, closeOnExec, lowest);
    }

    private static long Dup2(Task t, ulong oldFd, ulong newFd, ulong flags, bool legacy)
    {
        if (!t.TryHostFd(oldFd, out long host))
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

        long copy = Syscall(SyscallNumber.Dup, host);
        if (copy < 0)
        {
            return copy;
        }

        int previous = t.Fds.Place((int)newFd, (int)copy, (flags & (ulong)OCloexec) != 0);
        if (previous >= 0)
        {
            Syscall(SyscallNumber.Close, previous);
        }

        return (long)newFd;
    }

    private static long Pipe(Task t, ulong fdsAddr, ulong flags)
    {
        if ((flags & ~(ulong)(OCloexec | (long)OpenFlags.NonBlock | (long)OpenFlags.Direct)) != 0)
        {
            return Einval;
        }

        byte[] hostFds = new byte[8];
        long r = HostSpanCall(SyscallNumber.Pipe2, hostFds, 0, 0, (long)flags & ~OCloexec);
        if (r < 0)
        {
            return r;
        }

        bool cloexec = (flags & (ulong)OCloexec) != 0;
        int h0 = BitConverter.ToInt32(hostFds, 0);
        int h1 = BitConverter.ToInt32(hostFds, 4);
        int g0 = t.Fds.Add(h0, cloexec);
        int g1 = g0 < 0 ? -1 : t.Fds.Add(h1, cloexec);
        if (g0 < 0 || g1 < 0)
        {
            if (g0 >= 0)
            {
                t.Fds.Remove(g0);
            }

            Syscall(SyscallNumber.Close, h0);
            Syscall(SyscallNumber.Close, h1);
            return -(long)LinuxError.EMFILE;
        }

        byte[] guestFds = new byte[8];
        BitConverter.TryWriteBytes(guestFds.AsSpan(0), g0);
        BitConverter.TryWriteBytes(guestFds.AsSpan(4), g1);
        if (t.CopyOut(fdsAddr, guestFds) < 0)
        {
            Close(t, (ulong)g0);
            Close(t, (ulong)g1);
            return Efault;
        }

        return 0;
    }

    private static long Fcntl(Task t, ulong fd, ulong cmd, ulong arg)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        switch (cmd)
        {
            case (ulong)FcntlCommand.DupFd:
            case (ulong)FcntlCommand.DupFdCloseOnExec:
                if ((long)arg < 0 || arg >= FdTable.Limit)
                {
                    return Einval;
                }

                return Dup(t, fd, (long)arg, cmd == (ulong)FcntlCommand.DupFdCloseOnExec);
            case (ulong)FcntlCommand.GetFd:
                return t.Fds.IsCloseOnExec((long)fd) ? 1 : 0;
            case (ulong)FcntlCommand.SetFd:
                t.Fds.SetCloseOnExec((long)fd, (arg & 1) != 0);
                return 0;
            case (ulong)FcntlCommand.GetFl:
            case (ulong)FcntlCommand.SetFl:
                return Syscall(SyscallNumber.Fcntl, host, (long)cmd, (long)arg);
            case (ulong)FcntlCommand.GetLk:
            case (ulong)FcntlCommand.SetLk:
            case (ulong)FcntlCommand.SetLkWait:
                {
                    byte[] flock = new byte[32];
                    if (t.CopyIn(arg, flock) < 0)
                    {
                        return Efault;
                    }

                    long r = HostSpanCall(SyscallNumber.Fcntl, flock, 2, host, (long)cmd);
                    return r < 0 || cmd != (ulong)FcntlCommand.GetLk ? r : (t.CopyOut(arg, flock) < 0 ? Efault : r);
                }

            default:
                return Einval;
        }
    }

    private static long Ioctl(Task t, ulong fd, ulong request, ulong arg)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        int outSize = (TerminalIoctl)request switch
        {
            TerminalIoctl.GetAttributes => TermiosSize,
            TerminalIoctl.GetWindowSize => WindowSizeSize,
            TerminalIoctl.GetProcessGroup => sizeof(int),
            TerminalIoctl.BytesReadable => sizeof(int),
            _ => -1,
        };
        if (outSize > 0)
        {
            byte[] buffer = new byte[outSize];
            long r = HostSpanCall(SyscallNumber.Ioctl, buffer, 2, host, (long)request);
            return r < 0 ? r : (t.CopyOut(arg, buffer) < 0 ? Efault : r);
        }

        int inSize = (TerminalIoctl)request switch
        {
            TerminalIoctl.SetAttributes or TerminalIoctl.SetAttributesDrain or TerminalIoctl.SetAttributesFlush => TermiosSize,
            TerminalIoctl.SetWindowSize => WindowSizeSize,
            TerminalIoctl.SetProcessGroup => sizeof(int),
            _ => -1,
        };
        if (inSize > 0)
        {
            byte[] buffer = new byte[inSize];
            return t.CopyIn(arg, buffer) < 0 ? Efault : HostSpanCall(SyscallNumber.Ioctl, buffer, 2, host, (long)request);
        }

        return -(long)LinuxError.ENOTTY;
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

    private static long UtimensAt(Task t, long dirFd, ulong pathAddr, ulong timesAddr, long flags)
    {
        byte[]? times = null;
        if (timesAddr != 0)
        {
            times = new byte[32];
            if (t.CopyIn(timesAddr, times) < 0)
            {
                return Efault;
            }
        }

        if (!t.TryDirFd(dirFd, out long hostDir))
        {
            return Ebadf;
        }

        if (pathAddr == 0)
        {
            return HostSpanCall(SyscallNumber.Utimensat, times, 2, hostDir, 0, 0, flags);
        }

        long r = t.ReadPath(pathAddr, (flags & (long)AtFlags.EmptyPath) != 0, out byte[] path);
        return r < 0 ? r : HostSpanCall2(SyscallNumber.Utimensat, path, 1, times, 2, hostDir, 0, 0, flags);
    }
}
