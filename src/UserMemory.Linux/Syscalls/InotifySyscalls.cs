using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// inotify on the host's: the instance is a host inotify descriptor behind a guest number, so events are read, polled
/// and waited for through the ordinary host-descriptor paths. A watched path is resolved as every other path
/// (<see cref="FsPaths.Resolve"/>: the root confinement, <c>..</c> and links contained, <c>IN_DONT_FOLLOW</c> as
/// no-follow), opened <c>O_PATH</c> inside the guest's file system, and the host watches that object through the
/// runner's own <c>/proc/self/fd</c> link, so no path outside the guest's view is ever named to the host. A
/// synthetic <c>/proc</c> file has no host object to watch: EACCES.
/// </summary>
internal static class InotifySyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.InotifyInit, SupportLevel.Full, "", static (t, a) => Init(t, 0));
        b.Add(SyscallNumber.InotifyInit1, SupportLevel.Full, "", static (t, a) => Init(t, (long)(uint)a[0]));
        b.Add(SyscallNumber.InotifyAddWatch, SupportLevel.Partial, "synthetic /proc files EACCES", static (t, a) => AddWatch(t, a[0], a[1], (uint)a[2]));
        b.Add(SyscallNumber.InotifyRmWatch, SupportLevel.Full, "", static (t, a) => RemoveWatch(t, a[0], (long)(int)a[1]));
    }

    private static long Init(Task t, long flags)
    {
        if ((flags & ~InotifyAbi.InitFlags) != 0)
        {
            return Einval;
        }

        long host = Syscall(SyscallNumber.InotifyInit1, flags & ~(long)OpenFlags.CloseOnExec);
        if (host < 0)
        {
            return host;
        }

        return AddHostOrClose(t, host, (flags & (long)OpenFlags.CloseOnExec) != 0);
    }

    private static long AddWatch(Task t, ulong fd, ulong pathAddr, uint mask)
    {
        if ((mask & InotifyAbi.AllBits) == 0 || ((mask & InotifyAbi.MaskAdd) != 0 && (mask & InotifyAbi.MaskCreate) != 0))
        {
            return Einval;
        }

        OpenFile? instance = t.Fds.Get((long)fd);
        if (instance is null)
        {
            return Ebadf;
        }

        if (instance.HostFd < 0)
        {
            return Einval; // not an inotify instance
        }

        long r = FsPaths.Read(t, pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        bool follow = (mask & InotifyAbi.DontFollow) == 0;
        ResolvedPath where = FsPaths.Resolve(t, AtFdCwd, path, follow);
        long openFlags = (long)(OpenFlags.Path | OpenFlags.CloseOnExec) | (follow ? 0 : (long)OpenFlags.NoFollow);
        long target;
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Host:
                target = t.Fs.OpenHost(where.Path, openFlags, 0);
                break;
            case ResolvedKind.HostProc:
                target = HostSpanCall(SyscallNumber.Openat, [.. where.Path, 0], 1, AtFdCwd, 0, openFlags);
                break;
            case ResolvedKind.Descriptor:
                OpenFile? f = t.Fds.Get(where.Fd);
                if (f is null || f.HostFd < 0)
                {
                    return Errno(LinuxError.EACCES);
                }

                target = Syscall(SyscallNumber.Dup, f.HostFd);
                break;
            default:
                return Errno(LinuxError.EACCES);
        }

        if (target < 0)
        {
            return target;
        }

        byte[] link = Interop.HostLinux.SelfFdPath(target);
        r = HostSpanCall(SyscallNumber.InotifyAddWatch, link, 1, instance.HostFd, 0, mask & ~InotifyAbi.DontFollow);
        Syscall(SyscallNumber.Close, target);
        return r;
    }

    private static long RemoveWatch(Task t, ulong fd, long watch)
    {
        OpenFile? instance = t.Fds.Get((long)fd);
        return instance is null ? Ebadf : instance.HostFd < 0 ? Einval : Syscall(SyscallNumber.InotifyRmWatch, instance.HostFd, watch);
    }
}
