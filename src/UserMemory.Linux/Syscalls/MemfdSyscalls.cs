using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>memfd_create</c>: an anonymous host memfd behind a guest number, so read, write, ftruncate, fstat, mmap (shared
/// and private), seals (<c>fcntl F_ADD_SEALS/F_GET_SEALS</c>) and <c>/proc/self/fd/N</c> all take the host-descriptor
/// paths and get the host's answers. The flags and the name are checked here in Linux's order (flags, then the name
/// read through the core: at most <see cref="NameMax"/> bytes, else EINVAL; a fault before its NUL is EFAULT); the
/// guest's close-on-exec flag stays in the guest table, as host descriptors never carry it.
/// </summary>
internal static class MemfdSyscalls
{
    /// <summary>MFD_NAME_MAX_LEN: NAME_MAX less the length of the "memfd:" prefix.</summary>
    internal const int NameMax = 249;

    private const long KnownFlags = (long)(MemfdFlags.CloseOnExec | MemfdFlags.AllowSealing | MemfdFlags.HugeTlb | MemfdFlags.NoExecSeal | MemfdFlags.Exec);

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.MemfdCreate, SupportLevel.Full, "", static (t, a) => MemfdCreate(t, a[0], (long)(uint)a[1]));
    }

    private static long MemfdCreate(Task t, ulong nameAddr, long flags)
    {
        long sizeBits = (flags & (long)MemfdFlags.HugeTlb) != 0 ? (long)MemfdFlags.HugePageSizeMask : 0;
        if ((flags & ~(KnownFlags | sizeBits)) != 0)
        {
            return Einval;
        }

        byte[] name = new byte[NameMax + 1];
        StrncpyResult copied;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            copied = UserCopy.StrncpyFromUser(in access, UserConstPtr<byte>.FromAddress(new VirtAddr(nameAddr)), name);
        }

        if (!copied.IsOk)
        {
            return -(long)copied.Error;
        }

        if (!copied.IsTerminated)
        {
            return Einval;
        }

        long host = HostSpanCall(SyscallNumber.MemfdCreate, name.AsSpan(0, copied.Length + 1), 0, 0, flags & ~(long)MemfdFlags.CloseOnExec);
        if (host < 0)
        {
            return host;
        }

        return AddHostOrClose(t, host, (flags & (long)MemfdFlags.CloseOnExec) != 0);
    }
}
