using System;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Extended attributes (<c>getxattr</c>, <c>listxattr</c>, <c>setxattr</c>, <c>removexattr</c> and their
/// <c>l</c>/<c>f</c> forms), passed to the host file system: glibc's <c>ls -l</c> asks for ACLs and SELinux labels and
/// reports ENOSYS as an error, and <c>cp -a</c>, tar and CPython's shutil copy them. Names, flags and sizes are checked
/// as Linux checks them before the host sees anything; values go through a bounded buffer. A path is resolved as
/// every guest path is (<see cref="FsPaths.Resolve"/>): inside the root, <c>/proc</c> the guest's own (procfs has no
/// extended attributes: EOPNOTSUPP, or an empty list), <c>/proc/self/fd/N</c> the guest's descriptor. A change under
/// <c>--read-only</c> is EROFS.</summary>
internal static class XattrSyscalls
{
    /// <summary>XATTR_NAME_MAX + 1: a name of this many bytes or more is ERANGE.</summary>
    private const int NameLimit = 256;

    /// <summary>XATTR_SIZE_MAX (and XATTR_LIST_MAX): larger read sizes are clamped to it, a larger value to set is
    /// E2BIG.</summary>
    private const ulong ValueLimit = 65536;

    /// <summary>XATTR_CREATE | XATTR_REPLACE: any other flag bit is EINVAL.</summary>
    private const long KnownFlags = 0x1 | 0x2;

    private enum Target
    {
        Path,
        Link,
        Descriptor,
    }

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Getxattr, SupportLevel.Full, "", static (t, a) => Get(t, Target.Path, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Lgetxattr, SupportLevel.Full, "", static (t, a) => Get(t, Target.Link, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Fgetxattr, SupportLevel.Full, "", static (t, a) => Get(t, Target.Descriptor, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Listxattr, SupportLevel.Full, "", static (t, a) => List(t, Target.Path, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Llistxattr, SupportLevel.Full, "", static (t, a) => List(t, Target.Link, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Flistxattr, SupportLevel.Full, "", static (t, a) => List(t, Target.Descriptor, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Setxattr, SupportLevel.Full, "", static (t, a) => Set(t, Target.Path, a[0], a[1], a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Lsetxattr, SupportLevel.Full, "", static (t, a) => Set(t, Target.Link, a[0], a[1], a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Fsetxattr, SupportLevel.Full, "", static (t, a) => Set(t, Target.Descriptor, a[0], a[1], a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Removexattr, SupportLevel.Full, "", static (t, a) => Remove(t, Target.Path, a[0], a[1]));
        b.Add(SyscallNumber.Lremovexattr, SupportLevel.Full, "", static (t, a) => Remove(t, Target.Link, a[0], a[1]));
        b.Add(SyscallNumber.Fremovexattr, SupportLevel.Full, "", static (t, a) => Remove(t, Target.Descriptor, a[0], a[1]));
    }

    private static long Get(Task t, Target target, ulong pathOrFd, ulong nameAddr, ulong valueAddr, ulong size)
    {
        long r = ReadName(t, nameAddr, out byte[] name);
        if (r < 0)
        {
            return r;
        }

        byte[] value = new byte[Math.Min(size, ValueLimit)];
        r = Act(t, target, pathOrFd, change: false, name, (pathCall, path, fd) => path is null
            ? HostSpanCall2(Variant(SyscallNumber.Getxattr, pathCall), name, 1, value, 2, fd, 0, 0, value.Length)
            : HostLinux.Syscall((long)Variant(SyscallNumber.Getxattr, pathCall), path, 0, name, 1, value, 2, [0, 0, 0, value.Length, 0, 0]));
        return r <= 0 || value.Length == 0 ? r : (t.CopyOut(valueAddr, value.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private static long List(Task t, Target target, ulong pathOrFd, ulong listAddr, ulong size)
    {
        byte[] list = new byte[Math.Min(size, ValueLimit)];
        long r = Act(t, target, pathOrFd, change: false, [], (pathCall, path, fd) => path is null
            ? HostSpanCall(Variant(SyscallNumber.Listxattr, pathCall), list, 1, fd, 0, list.Length)
            : HostSpanCall2(Variant(SyscallNumber.Listxattr, pathCall), path, 0, list, 1, 0, 0, list.Length));
        return r <= 0 || list.Length == 0 ? r : (t.CopyOut(listAddr, list.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    /// <summary>setxattr: flags, name and value are checked and copied first (EINVAL, ERANGE, E2BIG, EFAULT), as
    /// Linux's <c>setxattr_copy</c> does before the lookup.</summary>
    private static long Set(Task t, Target target, ulong pathOrFd, ulong nameAddr, ulong valueAddr, ulong size, long flags)
    {
        if ((flags & ~KnownFlags) != 0)
        {
            return Einval;
        }

        long r = ReadName(t, nameAddr, out byte[] name);
        if (r < 0)
        {
            return r;
        }

        if (size > ValueLimit)
        {
            return -(long)LinuxError.E2BIG;
        }

        byte[] value = new byte[size];
        if (size > 0 && t.CopyIn(valueAddr, value) < 0)
        {
            return Efault;
        }

        return Act(t, target, pathOrFd, change: true, name, (pathCall, path, fd) => path is null
            ? HostSpanCall2(Variant(SyscallNumber.Setxattr, pathCall), name, 1, value, 2, fd, 0, 0, value.Length, flags)
            : HostLinux.Syscall((long)Variant(SyscallNumber.Setxattr, pathCall), path, 0, name, 1, value, 2, [0, 0, 0, value.Length, flags, 0]));
    }

    private static long Remove(Task t, Target target, ulong pathOrFd, ulong nameAddr)
    {
        long r = ReadName(t, nameAddr, out byte[] name);
        return r < 0 ? r : Act(t, target, pathOrFd, change: true, name, (pathCall, path, fd) => path is null
            ? HostSpanCall(Variant(SyscallNumber.Removexattr, pathCall), name, 1, fd, 0)
            : HostSpanCall2(Variant(SyscallNumber.Removexattr, pathCall), path, 0, name, 1));
    }

    /// <summary>Finds what the call acts on and runs <paramref name="call"/> there: with a host path (unconfined the
    /// resolved path; confined <c>/proc/self/fd/DIR/NAME</c> below the parent directory <see cref="FsContext.HostLocation"/>
    /// opened inside the root, so no race can lead the host call out of it) or with a host descriptor. The
    /// <paramref name="call"/> gets which form to use: <see cref="Target.Path"/> (follow) or <see cref="Target.Link"/>.</summary>
    private static long Act(Task t, Target target, ulong pathOrFd, bool change, byte[] name, Func<Target, byte[]?, long, long> call)
    {
        if (target == Target.Descriptor)
        {
            OpenFile? file = t.Fds.Get((int)pathOrFd);
            if (file is null || (int)pathOrFd != (long)pathOrFd)
            {
                return Ebadf;
            }

            return OnDescriptor(t, file, change, name, call);
        }

        long r = FsPaths.Read(t, pathOrFd, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        ResolvedPath where = FsPaths.Resolve(t, AtFdCwd, path, target == Target.Path);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Synthetic:
                return OnProc(change, where.Node.IsLink, name, call);
            case ResolvedKind.HostProc:
                return change ? -(long)LinuxError.EOPNOTSUPP : call(target, [.. where.Path, 0], 0);
            case ResolvedKind.Descriptor:
                OpenFile? f = t.Fds.Get(where.Fd);
                return f is null ? Ebadf : OnDescriptor(t, f, change, name, call);
            default:
                r = t.Fs.HostLocation(where.Path, out long dirFd, out byte[] last);
                if (r < 0)
                {
                    return r;
                }

                try
                {
                    if (change && t.Fs.ReadOnly)
                    {
                        return -(long)LinuxError.EROFS;
                    }

                    byte[] hostPath = dirFd == AtFdCwd ? last : [.. HostLinux.SelfFdPath(dirFd, withNul: false), (byte)'/', .. last];
                    return call(target, hostPath, 0);
                }
                finally
                {
                    FsContext.Release(dirFd);
                }
        }
    }

    private static long OnDescriptor(Task t, OpenFile file, bool change, byte[] name, Func<Target, byte[]?, long, long> call)
    {
        if (file.HostFd < 0)
        {
            return OnProc(change, isLink: false, name, call); // a synthetic /proc file
        }

        if (change && t.Fs.ReadOnly && file is HostFile { IsStream: false })
        {
            return -(long)LinuxError.EROFS;
        }

        return call(Target.Descriptor, null, file.HostFd);
    }

    /// <summary>A synthetic <c>/proc</c> node: procfs keeps no extended attributes, so a read asks the host's
    /// <c>/proc</c> itself (EOPNOTSUPP, an empty list) and a change is EOPNOTSUPP without reaching the host. A
    /// <c>user.</c> attribute of a link not followed (<c>/proc/self/exe</c>, <c>/proc/self/fd/N</c>) is refused
    /// before that, as the VFS refuses <c>user.</c> on anything but files and directories: ENODATA to read, EPERM to
    /// change.</summary>
    private static long OnProc(bool change, bool isLink, byte[] name, Func<Target, byte[]?, long, long> call)
    {
        if (isLink && name.AsSpan().StartsWith("user."u8))
        {
            return change ? -(long)LinuxError.EPERM : -(long)LinuxError.ENODATA;
        }

        return change ? -(long)LinuxError.EOPNOTSUPP : call(Target.Path, "/proc\0"u8.ToArray(), 0);
    }

    /// <summary>The syscall for a target: <paramref name="follow"/> is the following path form (getxattr), the
    /// <c>l</c> form is one above it and the <c>f</c> form two above (Linux numbers them so).</summary>
    private static SyscallNumber Variant(SyscallNumber follow, Target target) => target switch
    {
        Target.Path => follow,
        Target.Link => follow + 1,
        _ => follow + 2,
    };

    /// <summary>The attribute name with its NUL: EFAULT for a bad pointer, ERANGE for an empty or
    /// too long name.</summary>
    private static long ReadName(Task t, ulong address, out byte[] name)
    {
        name = [];
        UserResult<byte[]> copied = UserCopy.CopyStringFromUser(t.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), NameLimit);
        if (!copied.TryGetValue(out byte[]? text))
        {
            return -(long)(copied.Error == LinuxError.ENAMETOOLONG ? LinuxError.ERANGE : copied.Error);
        }

        if (text.Length == 0 || text.Length >= NameLimit)
        {
            return -(long)LinuxError.ERANGE;
        }

        name = [.. text, 0];
        return 0;
    }
}
