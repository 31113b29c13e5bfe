using System;
using System.Buffers.Binary;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>MAP_SHARED</c> mappings: anonymous ones get a memfd of their own (<see cref="SharedMemory.Create"/>), which a
/// forked child maps too; file ones map the guest's own descriptor's file (<see cref="SharedMemory.ForFile"/>, one
/// object per file and access: <see cref="SharedFileObjects"/>), so stores reach the file at once and pages past its
/// end fault with SIGBUS. The file is reached only through the descriptor the guest passed, never by path, so the
/// guest gets no file it could not open itself.
/// </summary>
internal static class SharedMappings
{
    /// <summary><c>F_GETFL</c>.</summary>
    private const long FcntlGetFlags = 3;

    /// <summary><c>O_ACCMODE</c>.</summary>
    private const long AccessModeMask = 3;

    /// <summary>Offset of <c>st_dev</c> in x86-64's <c>struct stat</c>.</summary>
    private const int StatDeviceOffset = 0;

    /// <summary>Offset of <c>st_ino</c> in x86-64's <c>struct stat</c>.</summary>
    private const int StatInodeOffset = 8;

    /// <summary>Offset of <c>st_mode</c> in x86-64's <c>struct stat</c>.</summary>
    private const int StatModeOffset = 24;

    /// <summary>Bytes of x86-64's <c>struct stat</c>.</summary>
    private const int StatSize = 144;

    /// <summary><c>S_IFMT</c>.</summary>
    private const uint FileTypeMask = 0xF000;

    /// <summary><c>S_IFREG</c>.</summary>
    private const uint RegularFile = 0x8000;

    /// <summary><c>S_IFDIR</c>.</summary>
    private const uint Directory = 0x4000;

    /// <summary><c>S_IFIFO</c>.</summary>
    private const uint Fifo = 0x1000;

    /// <summary><c>S_IFSOCK</c>.</summary>
    private const uint Socket = 0xC000;

    /// <summary>True when the host descriptor is a regular file (the files whose pages a shared mapping maps).</summary>
    /// <param name="hostFd">The host descriptor behind the guest's.</param>
    /// <returns>True for a regular file.</returns>
    internal static bool IsRegularFile(long hostFd)
    {
        byte[] stat = new byte[StatSize];
        return HostSpanCall(SyscallNumber.Fstat, stat, 1, hostFd) >= 0
            && (BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(StatModeOffset)) & FileTypeMask) == RegularFile;
    }

    /// <summary>Maps fresh shared anonymous memory at <paramref name="start"/> (the caller chose a free or fixed range).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">The area's flags.</param>
    /// <returns>The address space's answer; ENOMEM when the host has no memfd left.</returns>
    internal static LinuxError MapAnonymous(Task t, ulong start, ulong size, MappingFlags flags)
    {
        SharedMemory memory;
        try
        {
            memory = SharedMemory.Create(size);
        }
        catch (InvalidOperationException)
        {
            return LinuxError.ENOMEM; // the host is out of descriptors or memory
        }

        using (memory)
        {
            return t.Space.MapShared(new VirtAddr(start), size, flags, memory, 0);
        }
    }

    /// <summary>True when the descriptor is a directory, a FIFO or a socket: files with no <c>mmap</c> at all
    /// (Linux answers ENODEV).</summary>
    /// <param name="hostFd">The host descriptor behind the guest's.</param>
    /// <returns>True for such a file.</returns>
    internal static bool IsUnmappableFile(long hostFd)
    {
        byte[] stat = new byte[StatSize];
        if (HostSpanCall(SyscallNumber.Fstat, stat, 1, hostFd) < 0)
        {
            return false;
        }

        uint type = BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(StatModeOffset)) & FileTypeMask;
        return type is Directory or Fifo or Socket;
    }

    /// <summary>Linux's access check for a private file mapping: the descriptor must be open for reading.</summary>
    /// <param name="hostFd">The host descriptor behind the guest's.</param>
    /// <returns>0, EBADF for an <c>O_PATH</c> descriptor, EACCES for a write-only one, or the host's <c>-errno</c>.</returns>
    internal static long CheckReadable(long hostFd)
    {
        long status = HostLinux.Syscall((long)SyscallNumber.Fcntl, hostFd, FcntlGetFlags);
        return status < 0 ? status
            : (status & (long)OpenFlags.Path) != 0 ? -(long)LinuxError.EBADF
            : (status & AccessModeMask) == (long)OpenFlags.WriteOnly ? -(long)LinuxError.EACCES : 0;
    }

    /// <summary>Maps <paramref name="size"/> bytes of the regular file behind <paramref name="hostFd"/> from
    /// <paramref name="offset"/>, shared, with Linux's access checks: the descriptor must be readable, and writable
    /// for a writable mapping (EACCES otherwise).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="start">Page-aligned start (the caller chose a free or fixed range).</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">The area's flags.</param>
    /// <param name="hostFd">The host descriptor behind the guest's.</param>
    /// <param name="offset">Page-aligned file offset.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    internal static long MapFile(Task t, ulong start, ulong size, MappingFlags flags, int hostFd, ulong offset)
    {
        long status = HostLinux.Syscall((long)SyscallNumber.Fcntl, hostFd, FcntlGetFlags);
        if (status < 0)
        {
            return status;
        }

        long mode = status & AccessModeMask;
        bool writable = mode == (long)OpenFlags.ReadWrite;
        if (mode == (long)OpenFlags.WriteOnly || ((flags & MappingFlags.Write) != 0 && !writable))
        {
            return -(long)LinuxError.EACCES;
        }

        byte[] stat = new byte[StatSize];
        long st = HostSpanCall(SyscallNumber.Fstat, stat, 1, hostFd);
        if (st < 0)
        {
            return st;
        }

        var key = new SharedFileObjects.FileKey(
            BinaryPrimitives.ReadUInt64LittleEndian(stat.AsSpan(StatDeviceOffset)),
            BinaryPrimitives.ReadUInt64LittleEndian(stat.AsSpan(StatInodeOffset)),
            writable);
        LinuxError e = SharedFileObjects.Of(t.Space).Map(t.Space, key, hostFd, new VirtAddr(start), size, flags, offset);
        return e == LinuxError.None ? 0 : -(long)e;
    }

    /// <summary>True when <c>[start, end)</c> overlaps a shared mapping of a file whose descriptor is not open for
    /// writing (Linux refuses to make it writable: EACCES).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="start">The range's start.</param>
    /// <param name="end">The range's end.</param>
    /// <returns>True when such a mapping overlaps the range.</returns>
    internal static bool HasReadOnlyFile(Task t, ulong start, ulong end) => t.Space.OverlapsReadOnlyFile(start, end);

    /// <summary>Passes <paramref name="result"/> through, after <see cref="AfterTruncate"/> when the call succeeded.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="result">A truncating call's result.</param>
    /// <returns><paramref name="result"/>.</returns>
    internal static long AfterTruncating(Task t, long result)
    {
        if (result >= 0)
        {
            AfterTruncate(t);
        }

        return result;
    }

    /// <summary>Passes an open's <paramref name="result"/> through, after <see cref="AfterTruncate"/> when it
    /// succeeded with <c>O_TRUNC</c>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="result">The open's result.</param>
    /// <param name="flags">The open's flags.</param>
    /// <returns><paramref name="result"/>.</returns>
    internal static long AfterOpen(Task t, long result, ulong flags) =>
        (flags & (ulong)OpenFlags.Truncate) != 0 ? AfterTruncating(t, result) : result;

    /// <summary>The host fault guard's event count this process last repaired after.</summary>
    private static long s_repairedHostFaults;

    /// <summary>When the host fault guard replaced pages of a view since the last call (another process shrank a
    /// mapped file under it), moves every page past a file's end out of the views, as <see cref="AfterTruncate"/>
    /// does, so the guest gets SIGBUS there again instead of the zero pages the guard left. Cheap otherwise.</summary>
    /// <param name="t">The calling task.</param>
    internal static void RepairAfterHostFaults(Task t)
    {
        long events = AddrSpace.HostFaultEvents;
        if (events != System.Threading.Volatile.Read(ref s_repairedHostFaults))
        {
            System.Threading.Volatile.Write(ref s_repairedHostFaults, events);
            AfterTruncate(t);
        }
    }

    /// <summary>After this process changed a file's size: pages of shared file mappings now past a file's end stop
    /// being mapped (they fault with SIGBUS), so that neither the CPU nor the core touches them on the host.</summary>
    /// <param name="t">The calling task.</param>
    internal static void AfterTruncate(Task t)
    {
        foreach (VirtAddrRange range in t.Space.DropPagesPastEndOfFile())
        {
            t.Cpu.MappingsChanged(range.Start.Value, range.End.Value);
        }
    }
}
