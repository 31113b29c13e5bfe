using System.Runtime.InteropServices;
using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Fs.Proc;
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
        b.Add(SyscallNumber.Open, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterOpen(t, OpenAt(t, AtFdCwd, a[0], a[1], a[2]), a[1]));
        b.Add(SyscallNumber.Close, SupportLevel.Full, "", static (t, a) => Close(t, a[0]));
        b.Add(SyscallNumber.Stat, SupportLevel.Full, "", static (t, a) => StatAt(t, AtFdCwd, a[0], 0, a[1], false, 0));
        b.Add(SyscallNumber.Fstat, SupportLevel.Full, "", static (t, a) => FdOut(t, SyscallNumber.Fstat, a[0], a[1], StatSize));
        b.Add(SyscallNumber.Lstat, SupportLevel.Full, "", static (t, a) => StatAt(t, AtFdCwd, a[0], (long)AtFlags.SymlinkNoFollow, a[1], false, 0));
        b.Add(SyscallNumber.Lseek, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Lseek, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Ioctl, SupportLevel.Partial, "FIOCLEX/FIONCLEX/FIONBIO/FIOASYNC on any descriptor; terminal requests (TCGETS/TCSETS*, TCSBRK, TCSBRKP, TIOC[SC]BRK, TCXONC, TCFLSH, TIOC[GS]WINSZ, TIOC[GS]PGRP, TIOCSCTTY, TIOCNOTTY, TIOCGSID, TIOCOUTQ, FIONREAD); interface queries on sockets (SIOCGIF*, SIOCGIFCONF), network changes EPERM; others ENOTTY", static (t, a) => Ioctl(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Access, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat2, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Pipe, SupportLevel.Full, "", static (t, a) => Pipe(t, a[0], 0));
        b.Add(SyscallNumber.Dup, SupportLevel.Full, "", static (t, a) => Dup(t, a[0], 0, false));
        b.Add(SyscallNumber.Dup2, SupportLevel.Full, "", static (t, a) => Dup2(t, a[0], a[1], 0, true));
        b.Add(SyscallNumber.Fcntl, SupportLevel.Partial, "F_DUPFD[_CLOEXEC], F_[GS]ETFD, F_[GS]ETFL, F_GETLK/F_SETLK[W]; others EINVAL", static (t, a) => Fcntl(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Flock, SupportLevel.Full, "", static (t, a) => Flock(t, a[0], a[1]));
        b.Add(SyscallNumber.Fsync, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fsync, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Fdatasync, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fdatasync, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Truncate, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterTruncating(t, PathCall(t, SyscallNumber.Truncate, AtFdCwd, a[0], (long)a[1], 0, noDirFd: true)));
        b.Add(SyscallNumber.Ftruncate, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterTruncating(t, FdCall(t, SyscallNumber.Ftruncate, a[0], a[1], 0)));
        b.Add(SyscallNumber.Fallocate, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterTruncating(t, Fallocate(t, a[0], (long)a[1], (long)a[2], (long)a[3])));
        b.Add(SyscallNumber.Getdents, SupportLevel.Unsupported, "the old getdents; getdents64 works", static (t, a) => Errno(LinuxError.ENOSYS));
        b.Add(SyscallNumber.Getcwd, SupportLevel.Full, "", static (t, a) => GetCwd(t, a[0], a[1]));
        b.Add(SyscallNumber.Chdir, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Chdir, AtFdCwd, a[0], 0, 0, noDirFd: true));
        b.Add(SyscallNumber.Fchdir, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fchdir, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Rename, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, AtFdCwd, a[0], AtFdCwd, a[1], 0));
        b.Add(SyscallNumber.Mkdir, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mkdirat, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Rmdir, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, AtFdCwd, a[0], (long)AtFlags.RemoveDirectory, 0));
        b.Add(SyscallNumber.Creat, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterTruncating(t, OpenAt(t, AtFdCwd, a[0], (ulong)(OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Truncate), a[1])));
        b.Add(SyscallNumber.Link, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Linkat, AtFdCwd, a[0], AtFdCwd, a[1], 0));
        b.Add(SyscallNumber.Unlink, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, AtFdCwd, a[0], 0, 0));
        b.Add(SyscallNumber.Symlink, SupportLevel.Full, "", static (t, a) => SymlinkAt(t, a[0], AtFdCwd, a[1]));
        b.Add(SyscallNumber.Readlink, SupportLevel.Full, "", static (t, a) => ReadLinkAt(t, AtFdCwd, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Chmod, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchmodat, AtFdCwd, a[0], (long)a[1], 0));
        b.Add(SyscallNumber.Fchmod, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fchmod, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Chown, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, AtFdCwd, a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Fchown, SupportLevel.Full, "", static (t, a) => FdCall(t, SyscallNumber.Fchown, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Lchown, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, AtFdCwd, a[0], (long)a[1], (long)a[2], extra: (long)AtFlags.SymlinkNoFollow));
        b.Add(SyscallNumber.Umask, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Umask, (long)a[0]));
        b.Add(SyscallNumber.Statfs, SupportLevel.Full, "", static (t, a) => PathOutCall(t, SyscallNumber.Statfs, a[0], a[1], StatfsSize));
        b.Add(SyscallNumber.Fstatfs, SupportLevel.Full, "", static (t, a) => FdOut(t, SyscallNumber.Fstatfs, a[0], a[1], StatfsSize));
        b.Add(SyscallNumber.Getdents64, SupportLevel.Full, "", static (t, a) => GetDents64(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Openat, SupportLevel.Full, "", static (t, a) => SharedMappings.AfterOpen(t, OpenAt(t, (long)a[0], a[1], a[2], a[3]), a[2]));
        b.Add(SyscallNumber.Mkdirat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mkdirat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Mknodat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mknodat, (long)a[0], a[1], (long)a[2], (long)a[3]));
        b.Add(SyscallNumber.Mknod, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Mknodat, AtFdCwd, a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Sync, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Sync));
        b.Add(SyscallNumber.Syncfs, SupportLevel.Full, "", static (t, a) => HostDescriptorCall(t, SyscallNumber.Syncfs, a[0], 0, 0, 0));
        b.Add(SyscallNumber.Fadvise64, SupportLevel.Full, "", static (t, a) => HostDescriptorCall(t, SyscallNumber.Fadvise64, a[0], (long)a[1], (long)a[2], (long)a[3]));
        b.Add(SyscallNumber.Readahead, SupportLevel.Full, "", static (t, a) => HostDescriptorCall(t, SyscallNumber.Readahead, a[0], (long)a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Fchownat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchownat, (long)a[0], a[1], (long)a[2], (long)a[3], extra: (long)a[4]));
        b.Add(SyscallNumber.Newfstatat, SupportLevel.Full, "", static (t, a) => StatAt(t, (long)a[0], a[1], (long)a[3], a[2], false, 0));
        b.Add(SyscallNumber.Unlinkat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Unlinkat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Renameat, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, (long)a[0], a[1], (long)a[2], a[3], 0));
        b.Add(SyscallNumber.Linkat, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Linkat, (long)a[0], a[1], (long)a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Symlinkat, SupportLevel.Full, "", static (t, a) => SymlinkAt(t, a[0], (long)a[1], a[2]));
        b.Add(SyscallNumber.Readlinkat, SupportLevel.Full, "", static (t, a) => ReadLinkAt(t, (long)a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Fchmodat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Fchmodat, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Faccessat, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat2, (long)a[0], a[1], (long)a[2], 0));
        b.Add(SyscallNumber.Faccessat2, SupportLevel.Full, "", static (t, a) => PathCall(t, SyscallNumber.Faccessat2, (long)a[0], a[1], (long)a[2], (long)a[3]));
        b.Add(SyscallNumber.Utimensat, SupportLevel.Full, "", static (t, a) => UtimensAt(t, (long)a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Dup3, SupportLevel.Full, "", static (t, a) => Dup2(t, a[0], a[1], a[2], false));
        b.Add(SyscallNumber.Pipe2, SupportLevel.Full, "", static (t, a) => Pipe(t, a[0], a[1]));
        b.Add(SyscallNumber.Renameat2, SupportLevel.Full, "", static (t, a) => TwoPathCall(t, SyscallNumber.Renameat2, (long)a[0], a[1], (long)a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.CloseRange, SupportLevel.Full, "", static (t, a) => CloseRange(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Statx, SupportLevel.Full, "", static (t, a) => StatAt(t, (long)a[0], a[1], (long)a[2], a[4], true, (long)a[3]));
    }

    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const uint DirectoryFile = 0x4000;
    private const uint SymlinkFile = 0xA000;
    private const int StatxSize = 256;
    private const int TimespecSize = 16;
    private const long UtimeNow = (1L << 30) - 1;
    private const long UtimeOmit = (1L << 30) - 2;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const uint StatxBasicStats = 0x7ff;
    private const long OWriteFlags = (long)(OpenFlags.WriteOnly | OpenFlags.ReadWrite | OpenFlags.Create | OpenFlags.Truncate);
    private const ulong CloseRangeUnshare = 2;
    private const ulong CloseRangeCloseOnExec = 4;
    private const int FcntlSetOwner = 8;
    private const int FcntlGetOwner = 9;
    private const int FcntlSetSignal = 10;
    private const int FcntlGetSignal = 11;
    private const int FcntlSetOwnerEx = 15;
    private const int FcntlGetOwnerEx = 16;
    private const int FcntlOfdGetLock = 36;
    private const int FcntlOfdSetLock = 37;
    private const int FcntlOfdSetLockWait = 38;
    private const int FcntlSetLease = 1024;
    private const int FcntlGetLease = 1025;
    private const int FcntlNotify = 1026;
    private const int FcntlSetPipeSize = 1031;
    private const int FcntlGetPipeSize = 1032;
    private const int FlockSize = 32;
    private const int OwnerExSize = 8;
    private const int AccessWrite = 2;
    private const long SettableStatusFlags = (long)(OpenFlags.Append | OpenFlags.NonBlock | OpenFlags.Async | OpenFlags.Direct | OpenFlags.NoAccessTime);
    private const int TermiosSize = 36; // struct termios (kernel layout)
    private const int WindowSizeSize = 8; // struct winsize
    private const long OCloexec = (long)OpenFlags.CloseOnExec;

    /// <summary>The host path that reaches the file behind one of the guest's own host descriptors (the runner's
    /// /proc/self/fd/N magic link: the guest already holds that file, so nothing new is reachable).</summary>
    private static byte[] HostDescriptorPath(int hostFd) => HostLinux.SelfFdPath(hostFd);

    private static byte[] Nul(byte[] path) => [.. path, 0];

    private static long OpenAt(Task t, long dirFd, ulong pathAddr, ulong flags, ulong mode)
    {
        long r = FsPaths.Read(t, pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        long f = (long)flags;
        bool follow = (f & (long)OpenFlags.NoFollow) == 0 && (f & (long)(OpenFlags.Create | OpenFlags.Exclusive)) != (long)(OpenFlags.Create | OpenFlags.Exclusive);
        bool cloexec = (f & OCloexec) != 0;
        ResolvedPath where = FsPaths.Resolve(t, dirFd, path, follow);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Synthetic:
                return OpenSynthetic(t, where.Node, f, cloexec);
            case ResolvedKind.Descriptor:
                OpenFile? open = t.Fds.Get(where.Fd);
                if (open is SyntheticFile s)
                {
                    return OpenSynthetic(t, s.Node, f, cloexec);
                }

                if (open is null)
                {
                    return Ebadf;
                }

                if (t.Fs.ReadOnly && (f & OWriteFlags) != 0 && IsHostRegularOrDirectory(open.HostFd))
                {
                    return Errno(LinuxError.EROFS);
                }

                if (InterruptibleFifoOpen.MayWait(f) && HostLinux.IsFifo(open.HostFd))
                {
                    return AddHost(t, InterruptibleFifoOpen.Open(t, open.HostFd, f & ~OCloexec), cloexec);
                }

                return AddHost(t, HostSpanCall(SyscallNumber.Openat, HostDescriptorPath(open.HostFd), 1, AtFdCwd, 0, f & ~OCloexec, (long)mode), cloexec);
            case ResolvedKind.HostProc:
                if ((f & OWriteFlags) != 0)
                {
                    return Errno(LinuxError.EACCES);
                }

                return AddHost(t, HostSpanCall(SyscallNumber.Openat, Nul(where.Path), 1, AtFdCwd, 0, f & ~OCloexec, (long)mode), cloexec);
            default:
                if (t.Fs.ReadOnly && (f & OWriteFlags) != 0)
                {
                    return OpenReadOnlyFileSystem(t, where.Path, f, mode, cloexec);
                }

                return AddOpened(t, OpenHostPath(t, where.Path, f & ~OCloexec, (long)mode), cloexec, where.Path);
        }
    }

    /// <summary>Opens a resolved guest path on the host. An open that would wait for the other end of a FIFO waits
    /// on a helper thread while the task stays interruptible (<see cref="InterruptibleFifoOpen"/>). A <c>stat</c>
    /// of the path picks out FIFOs cheaply; the FIFO is then held by an <c>O_PATH</c> open of the same path (which
    /// never waits) and checked again on that descriptor.</summary>
    private static long OpenHostPath(Task t, byte[] path, long hostFlags, long mode)
    {
        if (InterruptibleFifoOpen.MayWait(hostFlags) && t.Fs.IsFifo(path, (hostFlags & (long)OpenFlags.NoFollow) == 0))
        {
            long node = t.Fs.OpenHost(path, (long)(OpenFlags.Path | OpenFlags.CloseOnExec) | (hostFlags & (long)OpenFlags.NoFollow), 0);
            if (node >= 0)
            {
                try
                {
                    if (HostLinux.IsFifo(node))
                    {
                        return InterruptibleFifoOpen.Open(t, (int)node, hostFlags);
                    }
                }
                finally
                {
                    Syscall(SyscallNumber.Close, node);
                }
            }
        }

        return t.Fs.OpenHost(path, hostFlags, mode);
    }

    /// <summary>Enters a host descriptor opened by a guest path; a path the host cannot name itself is kept with it
    /// (<see cref="HostFile.LongPath"/>).</summary>
    private static long AddOpened(Task t, long host, bool closeOnExec, byte[] guestPath)
    {
        return host < 0 || t.Fs.HostRoot.Length + guestPath.Length < FsContext.HostPathMax
            ? AddHost(t, host, closeOnExec)
            : AddOrClose(t, new HostFile((int)host) { LongPath = guestPath }, closeOnExec);
    }

    /// <summary>--read-only: a write open answers EROFS, except O_CREAT without write access on a file that exists
    /// (Linux opens it) and write opens of character devices and FIFOs (not part of the file system's contents).</summary>
    private static long OpenReadOnlyFileSystem(Task t, byte[] path, long f, ulong mode, bool cloexec)
    {
        long probe = t.Fs.OpenHost(path, (long)(OpenFlags.Path | OpenFlags.CloseOnExec), 0);
        if (probe < 0)
        {
            return (f & (long)OpenFlags.Create) != 0 && probe == -(long)LinuxError.ENOENT ? Errno(LinuxError.EROFS) : probe;
        }

        bool fileSystemObject = IsHostRegularOrDirectory((int)probe);
        Syscall(SyscallNumber.Close, probe);
        bool writes = (f & (long)(OpenFlags.WriteOnly | OpenFlags.ReadWrite | OpenFlags.Truncate)) != 0;
        if (fileSystemObject && (writes || (f & (long)(OpenFlags.Create | OpenFlags.Exclusive)) == (long)(OpenFlags.Create | OpenFlags.Exclusive)))
        {
            return (f & (long)OpenFlags.Exclusive) != 0 && (f & (long)OpenFlags.Create) != 0 ? Errno(LinuxError.EEXIST) : Errno(LinuxError.EROFS);
        }

        return AddHost(t, OpenHostPath(t, path, f & ~(OCloexec | (long)OpenFlags.Create), (long)mode), cloexec);
    }

    private static bool IsHostRegularOrDirectory(int hostFd)
    {
        byte[] stat = new byte[StatSize];
        if (HostSpanCall(SyscallNumber.Fstat, stat, 1, hostFd) < 0)
        {
            return false;
        }

        uint type = BitConverter.ToUInt32(stat, StatModeOffset) & FileTypeMask;
        return type is RegularFile or DirectoryFile or SymlinkFile;
    }

    private static long OpenSynthetic(Task t, ProcNode node, long f, bool cloexec)
    {
        if (node.IsLink)
        {
            return (f & (long)OpenFlags.Path) != 0 ? t.Fds.Add(new SyntheticFile(node, (int)f), cloexec) : Errno(LinuxError.ELOOP);
        }

        if ((f & (long)(OpenFlags.Create | OpenFlags.Exclusive)) == (long)(OpenFlags.Create | OpenFlags.Exclusive))
        {
            return Errno(LinuxError.EEXIST);
        }

        long access = f & (long)OpenFlags.AccessMode;
        if (node.IsDirectory && (access != (long)OpenFlags.ReadOnly || (f & (long)OpenFlags.Create) != 0))
        {
            return Errno(LinuxError.EISDIR);
        }

        if (!node.IsDirectory && (f & (long)OpenFlags.Directory) != 0)
        {
            return Errno(LinuxError.ENOTDIR);
        }

        if (access != (long)OpenFlags.ReadOnly && node.Kind is not (ProcNodeKind.Memory or ProcNodeKind.Command))
        {
            return Errno(LinuxError.EACCES);
        }

        return t.Fds.Add(new SyntheticFile(node, (int)(f & ~OCloexec)), cloexec);
    }

    private static long AddHost(Task t, long host, bool closeOnExec) => AddHostOrClose(t, host, closeOnExec);

    private static long Close(Task t, ulong fd)
    {
        OpenFile? f = t.Fds.Take((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        return Release(t, f);
    }

    private static long Release(Task t, OpenFile f)
    {
        if (f is SignalFdFile signalFd)
        {
            SignalFdSyscalls.Closing(t, signalFd);
        }

        if (f.HostFd < 0)
        {
            return 0;
        }

        long r = Syscall(SyscallNumber.Close, f.HostFd);
        return r == -(long)LinuxError.EINTR ? 0 : r;
    }

    private static long CloseRange(Task t, ulong first, ulong last, ulong flags)
    {
        if ((flags & ~(CloseRangeUnshare | CloseRangeCloseOnExec)) != 0 || (uint)first > (uint)last)
        {
            return Einval;
        }

        long low = (uint)first;
        long high = (uint)last;
        if ((flags & CloseRangeCloseOnExec) != 0)
        {
            t.Fds.MarkCloseOnExec(low, high);
            return 0;
        }

        foreach (OpenFile f in t.Fds.TakeRange(low, high))
        {
            Release(t, f);
        }

        return 0;
    }

    /// <summary>A call on the host descriptor behind a guest one, with plain arguments (syncfs, fadvise64,
    /// readahead); a closed or synthetic descriptor is EBADF.</summary>
    private static long HostDescriptorCall(Task t, SyscallNumber nr, ulong fd, long a1, long a2, long a3) =>
        t.TryHostFd(fd, out long host) ? Syscall(nr, host, a1, a2, a3) : Ebadf;

    private static long FdCall(Task t, SyscallNumber nr, ulong fd, ulong a1, ulong a2)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is SyntheticFile s)
        {
            return nr switch
            {
                SyscallNumber.Lseek => SyntheticFiles.Seek(t, s, (long)a1, (int)a2),
                SyscallNumber.Fchmod or SyscallNumber.Fchown => Errno(LinuxError.EPERM),
                SyscallNumber.Fchdir => Fchdir(t, fd),
                SyscallNumber.Flock => 0,
                _ => Einval,
            };
        }

        if (f is null)
        {
            return Ebadf;
        }

        if (t.Fs.ReadOnly && nr is SyscallNumber.Ftruncate or SyscallNumber.Fchmod or SyscallNumber.Fchown && IsHostRegularOrDirectory(f.HostFd))
        {
            return Errno(LinuxError.EROFS);
        }

        if (nr == SyscallNumber.Fchdir)
        {
            return Fchdir(t, fd);
        }

        return Syscall(nr, f.HostFd, (long)a1, (long)a2);
    }

    /// <summary>fallocate: the host's answer for a host file (mode, range and file-type checks are its own); a
    /// synthetic <c>/proc</c> file has no allocation to change (EBADF when opened read-only, else EOPNOTSUPP, as procfs
    /// answers), and a read-only
    /// sandbox refuses to change a regular file (EROFS). Hole punching or collapsing changes what shared mappings of
    /// the file show, so the caller re-checks them as after a truncation.</summary>
    private static long Fallocate(Task t, ulong fd, long mode, long offset, long length)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        if (f is SyntheticFile synthetic)
        {
            // Linux checks the write mode before it asks the file system.
            return (synthetic.StatusFlags & (int)OpenFlags.AccessMode) == (int)OpenFlags.ReadOnly ? Ebadf : Errno(LinuxError.EOPNOTSUPP);
        }

        if (t.Fs.ReadOnly && IsHostRegularOrDirectory(f.HostFd))
        {
            return Errno(LinuxError.EROFS);
        }

        return Syscall(SyscallNumber.Fallocate, f.HostFd, mode, offset, length);
    }

    /// <summary>A syscall on a descriptor that writes a fixed-size struct (fstat, fstatfs).</summary>
    private static long FdOut(Task t, SyscallNumber nr, ulong fd, ulong outAddr, int size)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        byte[] buffer = new byte[size];
        long r = f is SyntheticFile s
            ? SyntheticFdOut(nr, s.Node, buffer)
            : HostSpanCall(nr, buffer, 1, f.HostFd);
        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    private static long SyntheticFdOut(SyscallNumber nr, ProcNode node, byte[] buffer)
    {
        if (nr == SyscallNumber.Fstat)
        {
            SyntheticFiles.StatBytes(node).CopyTo(buffer, 0);
            return 0;
        }

        return HostSpanCall2(SyscallNumber.Statfs, "/proc\0"u8.ToArray(), 0, buffer, 1); // fstatfs: procfs
    }

    private static long PathOutCall(Task t, SyscallNumber nr, ulong pathAddr, ulong outAddr, int size)
    {
        long r = FsPaths.Read(t, pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        ResolvedPath where = FsPaths.Resolve(t, AtFdCwd, path, true);
        byte[] buffer = new byte[size];
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Synthetic:
            case ResolvedKind.HostProc:
                r = HostSpanCall2(nr, "/proc\0"u8.ToArray(), 0, buffer, 1);
                break;
            case ResolvedKind.Descriptor:
                OpenFile? f = t.Fds.Get(where.Fd);
                r = f is null || f.HostFd < 0 ? HostSpanCall2(nr, "/proc\0"u8.ToArray(), 0, buffer, 1) : HostSpanCall(SyscallNumber.Fstatfs, buffer, 1, f.HostFd);
                break;
            default:
                long fd = t.Fs.OpenHost(where.Path, (long)(OpenFlags.Path | OpenFlags.CloseOnExec), 0);
                if (fd < 0)
                {
                    return fd;
                }

                r = HostSpanCall(SyscallNumber.Fstatfs, buffer, 1, fd);
                Syscall(SyscallNumber.Close, fd);
                break;
        }

        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }

    /// <summary>stat, lstat, newfstatat and statx: <paramref name="statx"/> selects the statx layout and mask.</summary>
    private static long StatAt(Task t, long dirFd, ulong pathAddr, long flags, ulong outAddr, bool statx, long mask)
    {
        bool emptyPath = (flags & (long)AtFlags.EmptyPath) != 0;
        long r = FsPaths.Read(t, pathAddr, emptyPath, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        byte[] buffer = new byte[statx ? StatxSize : StatSize];
        SyscallNumber nr = statx ? SyscallNumber.Statx : SyscallNumber.Newfstatat;
        long hostFlags = flags | (long)AtFlags.SymlinkNoFollow;
        if (path.Length == 0)
        {
            if ((int)dirFd == AtFdCwd)
            {
                path = t.Fs.Cwd;
            }
            else
            {
                OpenFile? f = t.Fds.Get((int)dirFd);
                if (f is null || (int)dirFd != dirFd)
                {
                    return Ebadf;
                }

                r = f is SyntheticFile sf
                    ? SyntheticStat(sf.Node, buffer, statx)
                    : HostSpanCall2(nr, [0], 1, buffer, statx ? 4 : 2, f.HostFd, 0, statx ? flags : 0, statx ? mask : flags);
                return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : 0);
            }
        }

        ResolvedPath where = FsPaths.Resolve(t, dirFd, path, (flags & (long)AtFlags.SymlinkNoFollow) == 0);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Synthetic:
                r = SyntheticStat(where.Node, buffer, statx);
                break;
            case ResolvedKind.Descriptor:
                OpenFile? f = t.Fds.Get(where.Fd);
                r = f is SyntheticFile sf2 ? SyntheticStat(sf2.Node, buffer, statx)
                    : f is null ? Ebadf
                    : HostSpanCall2(nr, [0], 1, buffer, statx ? 4 : 2, f.HostFd, 0, statx ? (long)AtFlags.EmptyPath : 0, statx ? mask : (long)AtFlags.EmptyPath);
                break;
            case ResolvedKind.HostProc:
                r = HostSpanCall2(nr, Nul(where.Path), 1, buffer, statx ? 4 : 2, AtFdCwd, 0, statx ? hostFlags : 0, statx ? mask : hostFlags);
                break;
            default:
                r = t.Fs.HostLocation(where.Path, out long hostDir, out byte[] name);
                if (r < 0)
                {
                    return r;
                }

                r = HostSpanCall2(nr, name, 1, buffer, statx ? 4 : 2, hostDir, 0, statx ? hostFlags : 0, statx ? mask : hostFlags);
                FsContext.Release(hostDir);
                break;
        }

        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : 0);
    }

    private static long SyntheticStat(ProcNode node, byte[] buffer, bool statx)
    {
        Stat s = SyntheticFiles.StatOf(node);
        if (!statx)
        {
            MemoryMarshal.Write(buffer, in s);
            return 0;
        }

        var x = new Statx
        {
            Mask = StatxBasicStats,
            BlockSize = (uint)s.BlockSize,
            LinkCount = (uint)s.LinkCount,
            Uid = s.Uid,
            Gid = s.Gid,
            Mode = (ushort)s.Mode,
            Inode = s.Inode,
            DeviceMinor = (uint)s.Device,
        };
        MemoryMarshal.Write(buffer, in x);
        return 0;
    }

    /// <summary>One-path syscalls: resolve, refuse what the policy refuses, then the host call on the resolved
    /// location (kept inside the root).</summary>
    private static long PathCall(Task t, SyscallNumber nr, long dirFd, ulong pathAddr, long a2, long a3, bool noDirFd = false, long extra = 0)
    {
        bool emptyPath = nr == SyscallNumber.Fchownat && (extra & (long)AtFlags.EmptyPath) != 0;
        long r = FsPaths.Read(t, pathAddr, emptyPath, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (noDirFd)
        {
            dirFd = AtFdCwd;
        }

        if (path.Length == 0)
        {
            return FdCall(t, SyscallNumber.Fchown, (ulong)dirFd, (ulong)a2, (ulong)a3);
        }

        bool follow = nr switch
        {
            SyscallNumber.Truncate or SyscallNumber.Chdir or SyscallNumber.Fchmodat => true,
            SyscallNumber.Fchownat or SyscallNumber.Faccessat2 => ((nr == SyscallNumber.Fchownat ? extra : a3) & (long)AtFlags.SymlinkNoFollow) == 0,
            _ => false,
        };
        ResolvedPath where = FsPaths.Resolve(t, dirFd, path, follow);
        if (where.Kind == ResolvedKind.Error)
        {
            return where.Error;
        }

        if (nr == SyscallNumber.Chdir)
        {
            return ChangeDirectory(t, where);
        }

        bool mutates = nr != SyscallNumber.Faccessat2 || (a2 & AccessWrite) != 0;
        if (where.Kind != ResolvedKind.Host)
        {
            return NonHostPathCall(t, nr, where, a2, mutates);
        }

        if (t.Fs.ReadOnly && mutates)
        {
            return ReadOnlyAnswer(t, nr, where.Path);
        }

        if (nr is SyscallNumber.Truncate or SyscallNumber.Fchmodat)
        {
            // No AT_SYMLINK_NOFOLLOW for these: open the resolved file inside the root, then act on that descriptor.
            long fd = t.Fs.OpenHost(where.Path, nr == SyscallNumber.Truncate ? (long)(OpenFlags.WriteOnly | OpenFlags.CloseOnExec) : (long)(OpenFlags.Path | OpenFlags.CloseOnExec), 0);
            if (fd < 0)
            {
                return fd;
            }

            r = nr == SyscallNumber.Truncate
                ? Syscall(SyscallNumber.Ftruncate, fd, a2)
                : HostSpanCall(SyscallNumber.Fchmodat, HostDescriptorPath((int)fd), 1, AtFdCwd, 0, a2);
            Syscall(SyscallNumber.Close, fd);
            return r;
        }

        r = t.Fs.HostLocation(where.Path, out long hostDir, out byte[] name);
        if (r < 0)
        {
            return r;
        }

        long flags = nr switch
        {
            SyscallNumber.Fchownat => extra | (long)AtFlags.SymlinkNoFollow,
            SyscallNumber.Faccessat2 => a3 | (long)AtFlags.SymlinkNoFollow,
            _ => extra,
        };
        r = nr == SyscallNumber.Faccessat2
            ? HostSpanCall(nr, name, 1, hostDir, 0, a2, flags)
            : HostSpanCall(nr, name, 1, hostDir, 0, a2, a3, flags);
        FsContext.Release(hostDir);
        return r;
    }

    /// <summary>--read-only's answers: EROFS, except for a write access check on something that is not a file
    /// system object, and the creation calls on a name that exists (EEXIST, as Linux checks that first).</summary>
    private static long ReadOnlyAnswer(Task t, SyscallNumber nr, byte[] path)
    {
        if (nr is SyscallNumber.Mkdirat or SyscallNumber.Mknodat or SyscallNumber.Symlinkat)
        {
            long probe = t.Fs.OpenHost(path, (long)(OpenFlags.Path | OpenFlags.CloseOnExec | OpenFlags.NoFollow), 0);
            if (probe >= 0 || probe == -(long)LinuxError.ELOOP)
            {
                if (probe >= 0)
                {
                    Syscall(SyscallNumber.Close, probe);
                }

                return Errno(LinuxError.EEXIST);
            }
        }

        return Errno(LinuxError.EROFS);
    }

    private static long NonHostPathCall(Task t, SyscallNumber nr, ResolvedPath where, long mode, bool mutates)
    {
        if (nr == SyscallNumber.Faccessat2)
        {
            bool writable = where.Kind == ResolvedKind.Synthetic && where.Node.Kind == ProcNodeKind.Memory;
            if (where.Kind == ResolvedKind.Descriptor && t.Fds.Get(where.Fd) is { HostFd: >= 0 } df)
            {
                return HostSpanCall(SyscallNumber.Faccessat2, HostDescriptorPath(df.HostFd), 1, AtFdCwd, 0, mode, 0);
            }

            return mutates && !writable ? Errno(LinuxError.EACCES) : 0;
        }

        if (where.Kind == ResolvedKind.Descriptor && t.Fds.Get(where.Fd) is { HostFd: >= 0 } open
            && nr is SyscallNumber.Fchmodat or SyscallNumber.Fchownat or SyscallNumber.Truncate)
        {
            // chmod /proc/self/fd/N acts on the file the guest holds.
            if (t.Fs.ReadOnly && IsHostRegularOrDirectory(open.HostFd))
            {
                return Errno(LinuxError.EROFS);
            }

            return nr == SyscallNumber.Truncate ? Syscall(SyscallNumber.Ftruncate, open.HostFd, mode) : FdCall(t, nr == SyscallNumber.Fchmodat ? SyscallNumber.Fchmod : SyscallNumber.Fchown, (ulong)where.Fd, (ulong)mode, 0);
        }

        return nr is SyscallNumber.Fchmodat or SyscallNumber.Fchownat ? Errno(LinuxError.EPERM) : Errno(LinuxError.EACCES);
    }

    private static long ChangeDirectory(Task t, ResolvedPath where)
    {
        switch (where.Kind)
        {
            case ResolvedKind.Synthetic:
                if (!where.Node.IsDirectory)
                {
                    return Errno(LinuxError.ENOTDIR);
                }

                t.Fs.Cwd = ProcRenderer.NodePath(where.Node);

                // The host follows where it can, so a runner started from here (fork, execve) starts in the same
                // /proc directory, which it then sees as another process's.
                HostSpanCall(SyscallNumber.Chdir, Nul(t.Fs.Cwd), 0);
                return 0;
            case ResolvedKind.Descriptor:
                return Fchdir(t, (ulong)where.Fd);
            case ResolvedKind.HostProc:
                long p = HostSpanCall(SyscallNumber.Chdir, Nul(where.Path), 0);
                if (p == 0)
                {
                    t.Fs.Cwd = where.Path;
                }

                return p;
            default:
                long fd = t.Fs.OpenHost(where.Path, (long)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec), 0);
                if (fd < 0)
                {
                    return fd;
                }

                long r = Syscall(SyscallNumber.Fchdir, fd);
                if (r != 0)
                {
                    Syscall(SyscallNumber.Close, fd);
                    return r;
                }

                byte[] cwd = where.Path;
                int end = cwd.Length;
                while (end > 1 && cwd[end - 1] == (byte)'/')
                {
                    end--;
                }

                t.Fs.ChangeWorkingDirectory(cwd[..end], fd);
                return 0;
        }
    }

    private static long Fchdir(Task t, ulong fd)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        byte[]? dir = FsPaths.DirectoryOf(t, (int)fd);
        if (dir is null)
        {
            return f is SyntheticFile || f.HostFd < 0 ? Errno(LinuxError.ENOTDIR) : Syscall(SyscallNumber.Fchdir, f.HostFd);
        }

        if (f.HostFd < 0)
        {
            t.Fs.Cwd = dir;
            return 0;
        }

        long r = Syscall(SyscallNumber.Fchdir, f.HostFd);
        if (r < 0)
        {
            return r;
        }

        long held = Syscall(SyscallNumber.Fcntl, f.HostFd, (long)FcntlCommand.DupFdCloseOnExec, 0);
        t.Fs.ChangeWorkingDirectory(dir, held);
        return 0;
    }

    private static long TwoPathCall(Task t, SyscallNumber nr, long oldDir, ulong oldAddr, long newDir, ulong newAddr, long flags)
    {
        bool emptyOld = nr == SyscallNumber.Linkat && (flags & (long)AtFlags.EmptyPath) != 0;
        long r = FsPaths.Read(t, oldAddr, emptyOld, out byte[] oldPath);
        if (r < 0)
        {
            return r;
        }

        r = FsPaths.Read(t, newAddr, false, out byte[] newPath);
        if (r < 0)
        {
            return r;
        }

        if (oldPath.Length == 0)
        {
            return Errno(LinuxError.ENOENT); // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH
        }

        bool followOld = nr == SyscallNumber.Linkat && (flags & (long)AtFlags.EaccessOrSymlinkFollow) != 0;
        ResolvedPath from = FsPaths.Resolve(t, oldDir, oldPath, followOld);
        if (from.Kind == ResolvedKind.Error)
        {
            return from.Error;
        }

        ResolvedPath to = FsPaths.Resolve(t, newDir, newPath, false);
        if (to.Kind == ResolvedKind.Error)
        {
            return to.Error;
        }

        if (from.Kind != ResolvedKind.Host || to.Kind != ResolvedKind.Host)
        {
            return from.Kind == ResolvedKind.Host || to.Kind == ResolvedKind.Host ? Errno(LinuxError.EXDEV) : Errno(LinuxError.EACCES);
        }

        if (t.Fs.ReadOnly)
        {
            return Errno(LinuxError.EROFS);
        }

        r = t.Fs.HostLocation(from.Path, out long hostOld, out byte[] oldName);
        if (r < 0)
        {
            return r;
        }

        r = t.Fs.HostLocation(to.Path, out long hostNew, out byte[] newName);
        if (r >= 0)
        {
            long hostFlags = nr == SyscallNumber.Linkat ? flags & ~(long)AtFlags.EaccessOrSymlinkFollow : flags;
            r = HostSpanCall2(nr, oldName, 1, newName, 3, hostOld, 0, hostNew, 0, hostFlags);
            FsContext.Release(hostNew);
        }

        FsContext.Release(hostOld);
        return r;
    }

    private static long SymlinkAt(Task t, ulong targetAddr, long dirFd, ulong linkAddr)
    {
        long r = FsPaths.Read(t, targetAddr, false, out byte[] target);
        if (r < 0)
        {
            return r;
        }

        r = FsPaths.Read(t, linkAddr, false, out byte[] link);
        if (r < 0)
        {
            return r;
        }

        ResolvedPath where = FsPaths.Resolve(t, dirFd, link, false);
        if (where.Kind == ResolvedKind.Error)
        {
            return where.Error;
        }

        if (where.Kind != ResolvedKind.Host)
        {
            return where.Kind == ResolvedKind.Synthetic || where.Kind == ResolvedKind.Descriptor ? Errno(LinuxError.EEXIST) : Errno(LinuxError.EACCES);
        }

        if (t.Fs.ReadOnly)
        {
            return ReadOnlyAnswer(t, SyscallNumber.Symlinkat, where.Path);
        }

        r = t.Fs.HostLocation(where.Path, out long hostDir, out byte[] name);
        if (r < 0)
        {
            return r;
        }

        r = HostSpanCall2(SyscallNumber.Symlinkat, Nul(target), 0, name, 2, 0, hostDir, 0);
        FsContext.Release(hostDir);
        return r;
    }

    private static long ReadLinkAt(Task t, long dirFd, ulong pathAddr, ulong bufAddr, ulong size)
    {
        if ((long)size <= 0)
        {
            return Einval;
        }

        long r = FsPaths.Read(t, pathAddr, true, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        byte[] text;
        if (path.Length == 0)
        {
            // readlinkat(fd, "") reads the link an O_PATH descriptor was opened on.
            if (t.Fds.Get(dirFd) is SyntheticFile { Node.IsLink: true } sl)
            {
                text = SyntheticLinkText(t, sl.Node);
            }
            else
            {
                return t.Fds.IsOpen(dirFd) || (int)dirFd == AtFdCwd ? Errno(LinuxError.ENOENT) : Ebadf;
            }
        }
        else
        {
            ResolvedPath where = FsPaths.Resolve(t, dirFd, path, false);
            switch (where.Kind)
            {
                case ResolvedKind.Error:
                    return where.Error;
                case ResolvedKind.Synthetic:
                    if (!where.Node.IsLink)
                    {
                        return Einval;
                    }

                    text = SyntheticLinkText(t, where.Node);
                    break;
                case ResolvedKind.Descriptor:
                    return Einval;
                default:
                    byte[] buffer = new byte[PathMax];
                    if (where.Kind == ResolvedKind.HostProc)
                    {
                        r = HostSpanCall2(SyscallNumber.Readlinkat, Nul(where.Path), 1, buffer, 2, AtFdCwd, 0, 0, buffer.Length);
                    }
                    else
                    {
                        r = t.Fs.HostLocation(where.Path, out long hostDir, out byte[] name);
                        if (r < 0)
                        {
                            return r;
                        }

                        r = HostSpanCall2(SyscallNumber.Readlinkat, name, 1, buffer, 2, hostDir, 0, 0, buffer.Length);
                        FsContext.Release(hostDir);
                    }

                    if (r < 0)
                    {
                        return r;
                    }

                    text = buffer.AsSpan(0, (int)r).ToArray();
                    break;
            }
        }

        int len = (int)Math.Min((ulong)text.Length, Math.Min(size, PathMax));
        return t.CopyOut(bufAddr, text.AsSpan(0, len)) < 0 ? Efault : len;
    }

    private static byte[] SyntheticLinkText(Task t, ProcNode node) => node.Kind switch
    {
        ProcNodeKind.FdLink => ProcRenderer.DescriptorLink(t, node.Fd),
        ProcNodeKind.Executable => ProcRenderer.ExecutableLink(t),
        _ => PathResolver.LinkTarget(new TaskProcScope(t), node),
    };

    private static long GetCwd(Task t, ulong bufAddr, ulong size)
    {
        byte[] cwd = t.Fs.Cwd;
        if (cwd.Length + 1 > FsContext.HostPathMax)
        {
            return Errno(LinuxError.ENAMETOOLONG); // Linux builds the answer in one page
        }

        if (size < (ulong)cwd.Length + 1)
        {
            return Errno(LinuxError.ERANGE);
        }

        return t.CopyOut(bufAddr, Nul(cwd)) < 0 ? Efault : cwd.Length + 1;
    }

    private static long GetDents64(Task t, ulong fd, ulong bufAddr, ulong count)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        // Linux takes the count as an unsigned int and keeps it in an int: a count with bit 31 set fits no entry
        // (EINVAL, or 0 at the end of the directory). The host answers that itself, never touching memory.
        uint asLinux = unchecked((uint)count);
        if (asLinux > int.MaxValue)
        {
            return f is SyntheticFile ? Einval : Syscall(SyscallNumber.Getdents64, f.HostFd, IoSyscalls.RejectedUserPointer, asLinux);
        }

        byte[] buffer = new byte[Math.Min(asLinux, 1U << 16)];
        long r = f is SyntheticFile s
            ? SyntheticFiles.ReadDirectory(t, s, buffer)
            : HostSpanCall(SyscallNumber.Getdents64, buffer, 1, f.HostFd, 0, buffer.Length);
        if (r > 0 && f is not SyntheticFile && ProcRootListing.IsProcRoot(f.HostFd))
        {
            // The host's /proc lists every host process: keep only what the guest may see, reading on while a whole
            // batch was left out (0 would end the listing).
            while (r > 0 && (r = ProcRootListing.Filter(t, buffer.AsSpan(0, (int)r))) == 0)
            {
                r = HostSpanCall(SyscallNumber.Getdents64, buffer, 1, f.HostFd, 0, buffer.Length);
            }
        }

        if (r <= 0)
        {
            return r;
        }

        return t.CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r;
    }

    /// <summary>A new guest number for the same open file description: a host dup for a host file (the host shares
    /// the description), the same object for a synthetic one.</summary>
    private static long Duplicate(Task t, OpenFile f, out OpenFile copy)
    {
        if (f is SignalFdFile signalFd)
        {
            return SignalFdSyscalls.Duplicate(t, signalFd, out copy);
        }

        copy = f;
        if (f.HostFd < 0)
        {
            return 0;
        }

        long h = Syscall(SyscallNumber.Dup, f.HostFd);
        if (h < 0)
        {
            return h;
        }

        copy = new HostFile((int)h) { LongPath = (f as HostFile)?.LongPath };
        return 0;
    }

    private static long Dup(Task t, ulong fd, long lowest, bool closeOnExec)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        long r = Duplicate(t, f, out OpenFile copy);
        if (r < 0)
        {
            return r;
        }

        int guest = t.Fds.Add(copy, closeOnExec, lowest);
        if (guest < 0 && copy != f)
        {
            Release(t, copy);
        }

        return guest;
    }

    /// <summary>dup2/dup3 in Linux's order of checks: dup3's flags (EINVAL), equal numbers (dup2: the number if open,
    /// else EBADF; dup3: EINVAL), a target at or above RLIMIT_NOFILE (EBADF), a closed source (EBADF).</summary>
    private static long Dup2(Task t, ulong oldFd, ulong newFd, ulong flags, bool legacy)
    {
        uint from = (uint)oldFd;
        uint to = (uint)newFd;
        if (!legacy && (flags & ~(ulong)OCloexec) != 0)
        {
            return Einval;
        }

        if (from == to)
        {
            return !legacy ? Einval : t.Fds.IsOpen(from) ? to : Ebadf;
        }

        if (to >= (ulong)t.Fds.SoftLimit)
        {
            return Ebadf;
        }

        OpenFile? f = t.Fds.Get(from);
        if (f is null)
        {
            return Ebadf;
        }

        long r = Duplicate(t, f, out OpenFile copy);
        if (r < 0)
        {
            return r;
        }

        OpenFile? previous = t.Fds.Place((int)to, copy, (flags & (ulong)OCloexec) != 0);
        if (previous is not null)
        {
            Release(t, previous);
        }

        return to;
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
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        int host = f.HostFd;
        switch ((long)cmd)
        {
            case (long)FcntlCommand.DupFd:
            case (long)FcntlCommand.DupFdCloseOnExec:
                if (arg >= (ulong)t.Fds.SoftLimit)
                {
                    return Einval;
                }

                return Dup(t, fd, (long)arg, cmd == (ulong)FcntlCommand.DupFdCloseOnExec);
            case (long)FcntlCommand.GetFd:
                return t.Fds.IsCloseOnExec((long)fd) ? 1 : 0;
            case (long)FcntlCommand.SetFd:
                t.Fds.SetCloseOnExec((long)fd, (arg & 1) != 0);
                return 0;
            case (long)FcntlCommand.GetFl when f is SyntheticFile s:
                return s.StatusFlags;
            case (long)FcntlCommand.SetFl when f is SyntheticFile s:
                s.StatusFlags = (int)((s.StatusFlags & ~SettableStatusFlags) | ((long)arg & SettableStatusFlags));
                return 0;
            case (long)FcntlCommand.GetFl:
            case (long)FcntlCommand.SetFl:
            case FcntlSetOwner:
            case FcntlGetOwner:
            case FcntlSetSignal:
            case FcntlGetSignal:
            case FcntlSetLease:
            case FcntlGetLease:
            case FcntlNotify:
            case FcntlSetPipeSize:
            case FcntlGetPipeSize:
            case (long)FcntlCommand.AddSeals:
            case (long)FcntlCommand.GetSeals:
                return host < 0 ? Einval : Syscall(SyscallNumber.Fcntl, host, (long)cmd, (long)arg);
            case (long)FcntlCommand.GetLk:
            case (long)FcntlCommand.SetLk:
            case (long)FcntlCommand.SetLkWait:
            case FcntlOfdGetLock:
            case FcntlOfdSetLock:
            case FcntlOfdSetLockWait:
            case FcntlGetOwnerEx:
            case FcntlSetOwnerEx:
                {
                    bool owner = (long)cmd is FcntlGetOwnerEx or FcntlSetOwnerEx;
                    byte[] block = new byte[owner ? OwnerExSize : FlockSize];
                    bool readsBack = (long)cmd is (long)FcntlCommand.GetLk or FcntlOfdGetLock or FcntlGetOwnerEx;
                    if ((long)cmd != FcntlGetOwnerEx && t.CopyIn(arg, block) < 0)
                    {
                        return Efault;
                    }

                    if (host < 0)
                    {
                        return Einval;
                    }

                    if ((long)cmd is (long)FcntlCommand.SetLkWait or FcntlOfdSetLockWait)
                    {
                        return WaitingRecordLock(t, host, (long)cmd, block);
                    }

                    long r = HostSpanCall(SyscallNumber.Fcntl, block, 2, host, (long)cmd);
                    return r < 0 || !readsBack ? r : (t.CopyOut(arg, block) < 0 ? Efault : r);
                }

            default:
                return Einval;
        }
    }

    /// <summary><c>F_SETLKW</c> and <c>F_OFD_SETLKW</c>: the lock is tried without waiting first; one that must wait
    /// for another holder waits on a helper thread any guest signal interrupts (<see cref="InterruptibleHostCall"/>),
    /// as Linux's wait is interruptible (a host wait in the runner thread could never be: stress-ng's lockf hung).</summary>
    private static long WaitingRecordLock(Task t, long host, long cmd, byte[] block)
    {
        long now = cmd == (long)FcntlCommand.SetLkWait ? (long)FcntlCommand.SetLk : FcntlOfdSetLock;
        long r = HostSpanCall(SyscallNumber.Fcntl, block, 2, host, now);
        if (r != -(long)LinuxError.EAGAIN && r != -(long)LinuxError.EACCES)
        {
            return r;
        }

        return InterruptibleHostCall.Run(t, () => HostSpanCall(SyscallNumber.Fcntl, block, 2, host, cmd), "usermem-lock-wait");
    }

    /// <summary>flock: a lock that must wait for another holder waits on a helper thread any guest signal
    /// interrupts, as for <see cref="WaitingRecordLock"/>; everything else is the plain call.</summary>
    private static long Flock(Task t, ulong fd, ulong operation)
    {
        const long NonBlocking = 4; // LOCK_NB
        const long Unlock = 8; // LOCK_UN
        long op = (long)(uint)operation;
        if ((op & (NonBlocking | Unlock)) != 0 || t.Fds.Get((long)fd) is not { HostFd: >= 0 } f)
        {
            return FdCall(t, SyscallNumber.Flock, fd, operation, 0);
        }

        int host = f.HostFd;
        long r = Syscall(SyscallNumber.Flock, host, op | NonBlocking);
        return r != -(long)LinuxError.EAGAIN ? r : InterruptibleHostCall.Run(t, () => Syscall(SyscallNumber.Flock, host, op), "usermem-lock-wait");
    }

    private static long Ioctl(Task t, ulong fd, ulong request, ulong arg)
    {
        request = (uint)request; // Linux's cmd is an unsigned int: libc's int request arrives sign-extended
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is null)
        {
            return Ebadf;
        }

        switch ((DescriptorIoctl)request)
        {
            case DescriptorIoctl.CloseOnExec:
            case DescriptorIoctl.NoCloseOnExec:
                t.Fds.SetCloseOnExec((long)fd, (DescriptorIoctl)request == DescriptorIoctl.CloseOnExec);
                return 0;
            case DescriptorIoctl.NonBlocking:
            case DescriptorIoctl.Async:
                {
                    byte[] flag = new byte[sizeof(int)];
                    if (t.CopyIn(arg, flag) < 0)
                    {
                        return Efault;
                    }

                    if (f is SyntheticFile synthetic)
                    {
                        int bit = (DescriptorIoctl)request == DescriptorIoctl.NonBlocking ? (int)OpenFlags.NonBlock : (int)OpenFlags.Async;
                        synthetic.StatusFlags = BitConverter.ToInt32(flag) != 0 ? synthetic.StatusFlags | bit : synthetic.StatusFlags & ~bit;
                        return 0;
                    }

                    return HostSpanCall(SyscallNumber.Ioctl, flag, 2, f.HostFd, (long)request);
                }
        }

        long host = f.HostFd;
        if (InterfaceIoctls.TryHandle(t, host, request, arg, out long handled))
        {
            return handled;
        }

        if (host < 0)
        {
            return -(long)LinuxError.ENOTTY;
        }

        if ((TerminalIoctl)request is TerminalIoctl.SendBreak or TerminalIoctl.SendBreakTenths or TerminalIoctl.StartBreak
            or TerminalIoctl.StopBreak or TerminalIoctl.FlowControl or TerminalIoctl.Flush
            or TerminalIoctl.SetControllingTerminal or TerminalIoctl.ReleaseControllingTerminal
            or TerminalIoctl.SetExclusive or TerminalIoctl.ClearExclusive)
        {
            return Syscall(SyscallNumber.Ioctl, host, (long)request, (long)arg); // the argument is a value, not a pointer
        }

        if ((TerminalIoctl)request == TerminalIoctl.OpenPtyPeer)
        {
            // A new descriptor: the host's never carries close-on-exec (it must survive the runner's execve); the
            // guest's flag is kept in the guest table.
            bool closeOnExec = (arg & (ulong)OpenFlags.CloseOnExec) != 0;
            long peer = Syscall(SyscallNumber.Ioctl, host, (long)request, (long)(arg & ~(ulong)OpenFlags.CloseOnExec));
            return peer < 0 ? peer : AddOrClose(t, new HostFile((int)peer), closeOnExec);
        }

        int outSize = (TerminalIoctl)request switch
        {
            TerminalIoctl.GetAttributes => TermiosSize,
            TerminalIoctl.GetWindowSize => WindowSizeSize,
            TerminalIoctl.GetProcessGroup => sizeof(int),
            TerminalIoctl.BytesReadable => sizeof(int),
            TerminalIoctl.OutputQueue => sizeof(int),
            TerminalIoctl.GetSessionId => sizeof(int),
            TerminalIoctl.GetPtyNumber or TerminalIoctl.GetPtyLock or TerminalIoctl.GetPacketMode or TerminalIoctl.GetExclusive
                or TerminalIoctl.GetLineDiscipline => sizeof(int),
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
            TerminalIoctl.SetProcessGroup or TerminalIoctl.SetPtyLock or TerminalIoctl.SetPacketMode => sizeof(int),
            _ => -1,
        };
        if (inSize > 0)
        {
            byte[] buffer = new byte[inSize];
            return t.CopyIn(arg, buffer) < 0 ? Efault : HostSpanCall(SyscallNumber.Ioctl, buffer, 2, host, (long)request);
        }

        return -(long)LinuxError.ENOTTY;
    }

    private static long UtimensAt(Task t, long dirFd, ulong pathAddr, ulong timesAddr, long flags)
    {
        byte[]? times = null;
        if (timesAddr != 0)
        {
            times = new byte[2 * TimespecSize];
            if (t.CopyIn(timesAddr, times) < 0)
            {
                return Efault;
            }
        }

        return UtimensAt(t, dirFd, pathAddr, times, flags);
    }

    /// <summary>utimensat with the times already copied in (two <c>struct timespec</c>, or null for "now"): the shared
    /// path of utimensat, utimes, utime and futimesat, so all of them resolve and confine the path alike.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="dirFd">The directory descriptor (or AT_FDCWD).</param>
    /// <param name="pathAddr">The guest path, or 0 for the descriptor itself.</param>
    /// <param name="times">The access and modification times, or null.</param>
    /// <param name="flags">AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.</param>
    /// <returns>0 or -errno.</returns>
    internal static long UtimensAt(Task t, long dirFd, ulong pathAddr, byte[]? times, long flags)
    {
        // Linux (do_utimes): a NULL path means the descriptor itself, except with AT_FDCWD, where the NULL is read as a
        // path name and faults.
        if (pathAddr == 0 && (int)dirFd != AtFdCwd)
        {
            OpenFile? f = t.Fds.Get((int)dirFd);
            if (f is null || (int)dirFd != dirFd)
            {
                return Ebadf;
            }

            if (f.HostFd < 0)
            {
                return Errno(LinuxError.EPERM);
            }

            return t.Fs.ReadOnly && IsHostRegularOrDirectory(f.HostFd) ? Errno(LinuxError.EROFS) : HostSpanCall(SyscallNumber.Utimensat, times, 2, f.HostFd, 0, 0, flags);
        }

        long r = FsPaths.Read(t, pathAddr, (flags & (long)AtFlags.EmptyPath) != 0, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        if (path.Length == 0)
        {
            return UtimensAt(t, dirFd, 0, times, flags & ~(long)AtFlags.EmptyPath);
        }

        ResolvedPath where = FsPaths.Resolve(t, dirFd, path, (flags & (long)AtFlags.SymlinkNoFollow) == 0);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Host:
                if (t.Fs.ReadOnly)
                {
                    return Errno(LinuxError.EROFS);
                }

                r = t.Fs.HostLocation(where.Path, out long hostDir, out byte[] name);
                if (r < 0)
                {
                    return r;
                }

                r = HostSpanCall2(SyscallNumber.Utimensat, name, 1, times, 2, hostDir, 0, 0, flags | (long)AtFlags.SymlinkNoFollow);
                FsContext.Release(hostDir);
                return r;
            case ResolvedKind.Synthetic:
                // procfs lets the owner set a file's times (kept in memory only): the guest owns its own files.
                return AreValidTimes(times) ? 0 : Einval;
            default:
                return Errno(LinuxError.EPERM);
        }
    }

    /// <summary>utimensat's check of its two times: each nanosecond field is UTIME_NOW, UTIME_OMIT or in
    /// <c>[0, 1 s)</c>.</summary>
    private static bool AreValidTimes(byte[]? times)
    {
        if (times is null)
        {
            return true;
        }

        for (int i = 0; i < 2; i++)
        {
            long nanoseconds = BitConverter.ToInt64(times, (i * TimespecSize) + sizeof(long));
            if (nanoseconds is not (UtimeNow or UtimeOmit) && nanoseconds is < 0 or >= NanosecondsPerSecond)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>read/write/pread64/pwrite64 on a synthetic file: a bounded host staging buffer between the rendered
    /// bytes (or guest memory, for mem) and the guest's buffer, copied through the core.</summary>
    internal static long SyntheticReadWrite(Task t, SyntheticFile f, SyscallNumber nr, ulong buffer, ulong count, ulong offset, bool positional)
    {
        if (positional && (long)offset < 0)
        {
            return Einval;
        }

        const int Staging = 1 << 20;
        bool intoGuest = nr is SyscallNumber.Read or SyscallNumber.Pread64;
        if (!intoGuest && f.Node.Kind == ProcNodeKind.Command)
        {
            return SyntheticFiles.WriteCommandName(t, f, buffer, Math.Min(count, MaxTransfer), positional);
        }

        byte[] staging = new byte[(int)Math.Min(Math.Min(count, MaxTransfer), Staging)];
        long? at = positional ? (long)offset : null;
        if (intoGuest)
        {
            long n = SyntheticFiles.Read(t, f, staging, at);
            if (n <= 0)
            {
                return n;
            }

            CopyResult c = UserCopy.CopyOut(t.Space, UserPtr<byte>.FromAddress(new VirtAddr(buffer)), staging.AsSpan(0, (int)n));
            return c.IsOk ? n : Efault;
        }

        CopyResult copied = UserCopy.CopyIn(t.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(buffer)), staging.AsSpan());
        if (copied.BytesDone == 0 && staging.Length > 0)
        {
            return Efault;
        }

        return SyntheticFiles.Write(t, f, staging.AsSpan(0, (int)copied.BytesDone), at);
    }
}
