using System;
using System.Runtime.CompilerServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls;

/// <summary>What every handler file shares: errno results, Linux's transfer limits, host calls by
/// <see cref="SyscallNumber"/> with guest buffers as spans, and the accessible-prefix check.</summary>
internal static class SyscallSupport
{
    /// <summary>Enters <paramref name="file"/> at the lowest free guest number not below <paramref name="lowest"/>. When
    /// the table refuses (EMFILE), its host descriptor is closed: nothing else owns it yet.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="file">The new description.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <param name="lowest">The smallest acceptable guest number.</param>
    /// <returns>The guest number, or <c>-errno</c>.</returns>
    internal static long AddOrClose(Task t, Fs.OpenFile file, bool closeOnExec, long lowest = 0)
    {
        int guest = t.Fds.Add(file, closeOnExec, lowest);
        if (guest < 0 && file.HostFd >= 0)
        {
            _ = Syscall(SyscallNumber.Close, file.HostFd);
        }

        return guest;
    }

    /// <summary><see cref="AddOrClose"/> for a host call's result: a new host descriptor, or <c>-errno</c> passed on.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="host">The host descriptor or <c>-errno</c>.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <param name="lowest">The smallest acceptable guest number.</param>
    /// <returns>The guest number, or <c>-errno</c>.</returns>
    internal static long AddHostOrClose(Task t, long host, bool closeOnExec, long lowest = 0) =>
        host < 0 ? host : AddOrClose(t, new Fs.HostFile((int)host), closeOnExec, lowest);

    /// <summary><c>AT_FDCWD</c>: "relative to the working directory" in a directory-descriptor argument.</summary>
    internal const int AtFdCwd = -100;

    /// <summary>PATH_MAX, NUL included.</summary>
    internal const int PathMax = 4096;

    /// <summary>Linux's cap on one read or write (MAX_RW_COUNT).</summary>
    internal const ulong MaxTransfer = 0x7ffff000;

    /// <summary>The size of <c>struct statfs</c>.</summary>
    internal const int StatfsSize = 120;

    /// <summary>The size of <c>struct rusage</c>.</summary>
    internal const int RusageSize = 144;

    /// <summary>The size of <c>struct sysinfo</c>.</summary>
    internal const int SysInfoSize = 112;

    /// <summary>The size of <c>struct stat</c>.</summary>
    internal static int StatSize => Unsafe.SizeOf<Stat>();

    /// <summary>The size of <c>struct rlimit</c>.</summary>
    internal static int RlimitSize => Unsafe.SizeOf<RLimit>();

    /// <summary>The size of <c>struct utsname</c>.</summary>
    internal static int UtsNameSize => Unsafe.SizeOf<UtsName>();

    /// <summary>-EBADF.</summary>
    internal static long Ebadf => -(long)LinuxError.EBADF;

    /// <summary>-EFAULT.</summary>
    internal static long Efault => -(long)LinuxError.EFAULT;

    /// <summary>-EINVAL.</summary>
    internal static long Einval => -(long)LinuxError.EINVAL;

    /// <summary>-<paramref name="error"/>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The negated errno.</returns>
    internal static long Errno(LinuxError error) => -(long)error;

    /// <summary>A host syscall with integer arguments.</summary>
    /// <param name="nr">The host syscall.</param>
    /// <param name="a0">Argument 1.</param>
    /// <param name="a1">Argument 2.</param>
    /// <param name="a2">Argument 3.</param>
    /// <param name="a3">Argument 4.</param>
    /// <param name="a4">Argument 5.</param>
    /// <param name="a5">Argument 6.</param>
    /// <returns>The result or -errno.</returns>
    internal static long Syscall(SyscallNumber nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0) =>
        HostLinux.Syscall((long)nr, a0, a1, a2, a3, a4, a5);

    /// <summary>A host syscall with one buffer argument at <paramref name="slot"/>.</summary>
    /// <param name="nr">The host syscall.</param>
    /// <param name="buffer">The buffer.</param>
    /// <param name="slot">Its argument slot (0-based).</param>
    /// <param name="a0">Argument 1.</param>
    /// <param name="a1">Argument 2.</param>
    /// <param name="a2">Argument 3.</param>
    /// <param name="a3">Argument 4.</param>
    /// <param name="a4">Argument 5.</param>
    /// <param name="a5">Argument 6.</param>
    /// <returns>The result or -errno.</returns>
    internal static long HostSpanCall(SyscallNumber nr, Span<byte> buffer, int slot, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        ReadOnlySpan<long> args = [a0, a1, a2, a3, a4, a5];
        return HostLinux.Syscall((long)nr, buffer, slot, args);
    }

    /// <summary>A host syscall with two buffer arguments.</summary>
    /// <param name="nr">The host syscall.</param>
    /// <param name="first">The first buffer.</param>
    /// <param name="firstSlot">Its argument slot.</param>
    /// <param name="second">The second buffer.</param>
    /// <param name="secondSlot">Its argument slot.</param>
    /// <param name="a0">Argument 1.</param>
    /// <param name="a1">Argument 2.</param>
    /// <param name="a2">Argument 3.</param>
    /// <param name="a3">Argument 4.</param>
    /// <param name="a4">Argument 5.</param>
    /// <param name="a5">Argument 6.</param>
    /// <returns>The result or -errno.</returns>
    internal static long HostSpanCall2(SyscallNumber nr, Span<byte> first, int firstSlot, Span<byte> second, int secondSlot, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        ReadOnlySpan<long> args = [a0, a1, a2, a3, a4, a5];
        return HostLinux.Syscall((long)nr, first, firstSlot, second, secondSlot, args);
    }

    /// <summary>The length of the longest prefix of <c>[address, address + length)</c> that is accessible with
    /// <paramref name="writable"/> access, checked page by page through the core (which also populates it).</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The start.</param>
    /// <param name="length">The length.</param>
    /// <param name="writable">True to require write access (the guest buffer receives data).</param>
    /// <returns>The prefix length.</returns>
    internal static ulong AccessiblePrefix(ref readonly UserAccess access, ulong address, ulong length, bool writable)
    {
        ulong done = 0;
        while (done < length)
        {
            ulong at = address + done;
            if (at < address)
            {
                break; // wrapped
            }

            ulong chunk = Math.Min(length - done, Pages.Size4K - (at & Pages.OffsetMask4K));
            bool ok = writable
                ? UserPtr<byte>.FromAddress(new VirtAddr(at)).GetAsSlice(in access, chunk).IsOk
                : UserConstPtr<byte>.FromAddress(new VirtAddr(at)).GetAsSlice(in access, chunk).IsOk;
            if (!ok)
            {
                break;
            }

            done += chunk;
        }

        return done;
    }

    /// <summary>A syscall without descriptors that writes a fixed-size struct (argument <paramref name="outAddr"/> at
    /// slot 0, or slot 1 after <paramref name="first"/> when given).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="nr">The host syscall.</param>
    /// <param name="outAddr">The guest address of the struct.</param>
    /// <param name="size">The struct's size.</param>
    /// <param name="first">The first argument, when the struct is the second.</param>
    /// <returns>The result or -errno.</returns>
    internal static long OutCall(Task t, SyscallNumber nr, ulong outAddr, int size, long? first = null)
    {
        byte[] buffer = new byte[size];
        long r = first is long f ? HostSpanCall(nr, buffer, 1, f) : HostSpanCall(nr, buffer, 0);
        return r < 0 ? r : (t.CopyOut(outAddr, buffer) < 0 ? Efault : r);
    }
}
