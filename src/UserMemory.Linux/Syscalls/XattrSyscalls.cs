using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Extended-attribute reads (<c>getxattr</c>, <c>listxattr</c> and their <c>l</c>/<c>f</c> forms), passed to
/// the host file system: glibc's <c>ls -l</c> asks for ACLs and SELinux labels and reports ENOSYS as an error. Names
/// and sizes are checked as Linux checks them before the host sees anything; values go through a bounded buffer.</summary>
internal static class XattrSyscalls
{
    /// <summary>XATTR_NAME_MAX + 1: a name of this many bytes or more is ERANGE.</summary>
    private const int NameLimit = 256;

    /// <summary>XATTR_SIZE_MAX (and XATTR_LIST_MAX): larger sizes are clamped to it.</summary>
    private const ulong ValueLimit = 65536;

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
        b.Add(SyscallNumber.Getxattr, SupportLevel.Full, "", static (t, a) => Get(t, SyscallNumber.Getxattr, Target.Path, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Lgetxattr, SupportLevel.Full, "", static (t, a) => Get(t, SyscallNumber.Lgetxattr, Target.Link, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Fgetxattr, SupportLevel.Full, "", static (t, a) => Get(t, SyscallNumber.Fgetxattr, Target.Descriptor, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Listxattr, SupportLevel.Full, "", static (t, a) => List(t, SyscallNumber.Listxattr, Target.Path, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Llistxattr, SupportLevel.Full, "", static (t, a) => List(t, SyscallNumber.Llistxattr, Target.Link, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Flistxattr, SupportLevel.Full, "", static (t, a) => List(t, SyscallNumber.Flistxattr, Target.Descriptor, a[0], a[1], a[2]));
    }

    private static long Get(Task t, SyscallNumber nr, Target target, ulong pathOrFd, ulong nameAddr, ulong valueAddr, ulong size)
    {
        long r = ReadName(t, nameAddr, out byte[] name);
        if (r < 0)
        {
            return r;
        }

        byte[] value = new byte[Math.Min(size, ValueLimit)];
        if (target == Target.Descriptor)
        {
            if (!t.TryHostFd(pathOrFd, out long host))
            {
                return Ebadf;
            }

            r = HostSpanCall2(nr, name, 1, value, 2, host, 0, 0, value.Length);
        }
        else
        {
            r = t.ReadPath(pathOrFd, false, out byte[] path);
            if (r < 0)
            {
                return r;
            }

            r = HostLinux.Syscall((long)nr, path, 0, name, 1, value, 2, [0, 0, 0, value.Length, 0, 0]);
        }

        return r <= 0 || value.Length == 0 ? r : (t.CopyOut(valueAddr, value.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private static long List(Task t, SyscallNumber nr, Target target, ulong pathOrFd, ulong listAddr, ulong size)
    {
        byte[] list = new byte[Math.Min(size, ValueLimit)];
        long r;
        if (target == Target.Descriptor)
        {
            if (!t.TryHostFd(pathOrFd, out long host))
            {
                return Ebadf;
            }

            r = HostSpanCall(nr, list, 1, host, 0, list.Length);
        }
        else
        {
            r = t.ReadPath(pathOrFd, false, out byte[] path);
            if (r < 0)
            {
                return r;
            }

            r = HostSpanCall2(nr, path, 0, list, 1, 0, 0, list.Length);
        }

        return r <= 0 || list.Length == 0 ? r : (t.CopyOut(listAddr, list.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

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
