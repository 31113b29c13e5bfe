using System;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Kernel;

/// <summary>Helpers every syscall uses to reach the calling task's guest memory and descriptors: all memory goes
/// through the core (borrows inside an access scope, or copies).</summary>
public sealed partial class Task
{
    /// <summary>Copies a NUL-terminated path in (bounded by PATH_MAX) and returns it NUL-terminated for the host.
    /// <c>/proc/self/exe</c> names the guest program, not the runner.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="allowEmpty">Accept "" (AT_EMPTY_PATH); otherwise "" is ENOENT.</param>
    /// <param name="path">The path with its NUL.</param>
    /// <returns>0, or -EFAULT / -ENAMETOOLONG / -ENOENT.</returns>
    internal long ReadPath(ulong address, bool allowEmpty, out byte[] path) => ReadPath(address, allowEmpty, out path, out _);

    /// <summary>As <see cref="ReadPath(ulong, bool, out byte[])"/>, telling whether the path named the running
    /// program through <c>/proc</c> (copied once: no second fetch of guest memory).</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="allowEmpty">Accept "".</param>
    /// <param name="path">The path with its NUL.</param>
    /// <param name="namedOwnExe">True when the guest wrote /proc/self/exe or /proc/PID/exe.</param>
    /// <returns>0, or -EFAULT / -ENAMETOOLONG / -ENOENT.</returns>
    internal long ReadPath(ulong address, bool allowEmpty, out byte[] path, out bool namedOwnExe)
    {
        path = [];
        namedOwnExe = false;
        UserResult<byte[]> copied = UserCopy.CopyPathFromUser(Space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), allowEmpty);
        if (!copied.TryGetValue(out byte[]? bytes))
        {
            return -(long)copied.Error;
        }

        if (GuestPaths.NamesOwnExecutable(bytes, Group.Pid))
        {
            bytes = Group.ExecutablePath;
            namedOwnExe = true;
        }

        path = new byte[bytes.Length + 1];
        bytes.CopyTo(path, 0);
        return 0;
    }

    /// <summary>Copies <paramref name="data"/> out to guest memory.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="data">The bytes.</param>
    /// <returns>0 or -EFAULT.</returns>
    internal long CopyOut(ulong address, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        CopyResult r = UserCopy.CopyOut(Space, UserPtr<byte>.FromAddress(new VirtAddr(address)), data);
        if (r.BytesDone > 0)
        {
            Cpu.FlushCode(address, address + r.BytesDone); // free unless the bytes landed on executable pages
        }

        return r.IsOk ? 0 : -(long)r.Error;
    }

    /// <summary>Copies guest memory in.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="data">Receives the bytes (zero-filled past a fault).</param>
    /// <returns>0 or -EFAULT.</returns>
    internal long CopyIn(ulong address, Span<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        CopyResult r = UserCopy.CopyIn(Space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), data);
        return r.IsOk ? 0 : -(long)r.Error;
    }

    /// <summary>Copies up to <paramref name="max"/> bytes in for display (strace); stops at the first fault.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="max">The most bytes wanted.</param>
    /// <returns>The bytes that could be read, or null when none could.</returns>
    internal byte[]? PeekBytes(ulong address, int max)
    {
        byte[] buffer = new byte[max];
        CopyResult r = UserCopy.CopyIn(Space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), buffer.AsSpan());
        return r.BytesDone == 0 && max > 0 ? null : buffer.AsSpan(0, (int)r.BytesDone).ToArray();
    }

    /// <summary>Copies a 64-bit value in.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="value">The value.</param>
    /// <returns>0 or -EFAULT.</returns>
    internal long ReadU64(ulong address, out ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        long r = CopyIn(address, b);
        value = BitConverter.ToUInt64(b);
        return r;
    }

    /// <summary>Copies a 64-bit value out.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="value">The value.</param>
    /// <returns>0 or -EFAULT.</returns>
    internal long WriteU64(ulong address, ulong value) => CopyOut(address, BitConverter.GetBytes(value));

    /// <summary>Copies a 32-bit value out.</summary>
    /// <param name="address">The guest pointer.</param>
    /// <param name="value">The value.</param>
    /// <returns>0 or -EFAULT.</returns>
    internal long WriteI32(ulong address, int value) => CopyOut(address, BitConverter.GetBytes(value));

    /// <summary>Translates a guest descriptor.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <param name="hostFd">The host descriptor.</param>
    /// <returns>True when open.</returns>
    internal bool TryHostFd(ulong guestFd, out long hostFd)
    {
        hostFd = Fds.HostOf((long)guestFd);
        return hostFd >= 0;
    }

    /// <summary>Translates a directory descriptor argument: AT_FDCWD passes as is.</summary>
    /// <param name="guestFd">The guest value.</param>
    /// <param name="hostFd">The host value.</param>
    /// <returns>True when usable.</returns>
    internal bool TryDirFd(long guestFd, out long hostFd)
    {
        if ((int)guestFd == SyscallSupport.AtFdCwd)
        {
            hostFd = SyscallSupport.AtFdCwd;
            return true;
        }

        hostFd = Fds.HostOf((int)guestFd);
        return hostFd >= 0;
    }
}
