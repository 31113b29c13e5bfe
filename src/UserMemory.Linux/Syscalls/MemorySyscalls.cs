using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Memory syscalls: brk, mmap, munmap, mprotect, mremap on the address space, each followed by
/// <c>ICpu.MappingsChanged</c> for the affected range.</summary>
internal static class MemorySyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Mmap, SupportLevel.Partial, "MAP_SHARED is private; file mappings are private copies (at most 256 MiB)", static (t, a) => Mmap(t, a[0], a[1], a[2], a[3], a[4], a[5]));
        b.Add(SyscallNumber.Mprotect, SupportLevel.Full, "", static (t, a) => Mprotect(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Munmap, SupportLevel.Full, "", static (t, a) => Munmap(t, a[0], a[1]));
        b.Add(SyscallNumber.Brk, SupportLevel.Full, "", static (t, a) => Brk(t, a[0]));
        b.Add(SyscallNumber.Mremap, SupportLevel.Partial, "MREMAP_FIXED unsupported; a moved mapping is copied (at most 256 MiB)", static (t, a) => Mremap(t, a[0], a[1], a[2], a[3], a[4]));
        b.Add(SyscallNumber.Msync, SupportLevel.Stub, "accepted; mappings are private", static (t, a) => 0);
        b.Add(SyscallNumber.Madvise, SupportLevel.Stub, "accepted and ignored", static (t, a) => 0);
    }

    private const ulong MapShared = (ulong)MapFlags.Shared;
    private const ulong MapPrivate = (ulong)MapFlags.Private;
    private const ulong MapFixed = (ulong)MapFlags.Fixed;
    private const ulong MapAnonymous = (ulong)MapFlags.Anonymous;
    private const ulong MapFixedNoReplace = (ulong)MapFlags.FixedNoReplace;

    /// <summary>The largest mapping whose contents are copied through managed memory (file-backed mmap, a moving
    /// mremap); larger ones answer ENOMEM instead of exhausting the host.</summary>
    private const ulong MaxCopiedMapping = 256UL << 20;

    private static MappingFlags ProtToFlags(ulong prot) =>
        MappingFlags.User
        | ((prot & 1) != 0 ? MappingFlags.Read : 0)
        | ((prot & 2) != 0 ? MappingFlags.Write | MappingFlags.Read : 0)
        | ((prot & 4) != 0 ? MappingFlags.Execute | MappingFlags.Read : 0);

    private static long Errno(LinuxError e) => -(long)e;

    private static long Brk(Task t, ulong requested)
    {
        if (requested < t.Group.BrkStart)
        {
            return (long)t.Group.BrkEnd;
        }

        ulong oldTop = Pages.TryAlignUp4K(t.Group.BrkEnd, out ulong o) ? o : t.Group.BrkEnd;
        if (!Pages.TryAlignUp4K(requested, out ulong newTop) || newTop > GuestLayout.MmapBase)
        {
            return (long)t.Group.BrkEnd;
        }

        if (newTop > oldTop)
        {
            if (t.Space.MapAlloc(new VirtAddr(oldTop), newTop - oldTop, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, false) != LinuxError.None)
            {
                return (long)t.Group.BrkEnd;
            }

            t.Cpu.MappingsChanged(oldTop, newTop);
        }
        else if (newTop < oldTop)
        {
            t.Space.Unmap(new VirtAddr(newTop), oldTop - newTop);
            t.Cpu.MappingsChanged(newTop, oldTop);
        }

        t.Group.BrkEnd = requested;
        return (long)t.Group.BrkEnd;
    }

    private static long Mmap(Task t, ulong addr, ulong length, ulong prot, ulong flags, ulong fd, ulong offset)
    {
        if (length == 0 || (offset & Pages.OffsetMask4K) != 0 || ((flags & (MapShared | MapPrivate)) == 0))
        {
            return Einval;
        }

        if (!Pages.TryAlignUp4K(length, out ulong size) || size > GuestLayout.UserEnd)
        {
            return Errno(LinuxError.ENOMEM);
        }

        if (t.Cpu.MappedRegionCount >= t.Cpu.MaxMappedRegions)
        {
            return Errno(LinuxError.ENOMEM);
        }

        bool anonymous = (flags & MapAnonymous) != 0;
        long hostFd = -1;
        if (!anonymous && !t.TryHostFd(fd, out hostFd))
        {
            return Ebadf;
        }

        ulong start;
        if ((flags & (MapFixed | MapFixedNoReplace)) != 0)
        {
            if ((addr & Pages.OffsetMask4K) != 0 || addr < GuestLayout.UserStart || addr > GuestLayout.UserEnd - size)
            {
                return (flags & MapFixed) != 0 ? Einval : Errno(LinuxError.ENOMEM);
            }

            start = addr;
            if ((flags & MapFixed) != 0)
            {
                t.Space.Unmap(new VirtAddr(start), size);
            }
        }
        else
        {
            ulong hint = addr >= GuestLayout.MmapBase && addr < GuestLayout.StackBottom ? Pages.AlignDown4K(addr) : GuestLayout.MmapBase;
            var limit = new VirtAddrRange(new VirtAddr(GuestLayout.MmapBase), new VirtAddr(GuestLayout.StackBottom - (1UL << 20)));
            if (!t.Space.TryFindFreeArea(new VirtAddr(hint), size, limit, Pages.Size4K, out VirtAddr found))
            {
                return Errno(LinuxError.ENOMEM);
            }

            start = found.Value;
        }

        MappingFlags mapping = ProtToFlags(prot);
        LinuxError e;
        if (anonymous)
        {
            e = t.Space.MapAlloc(new VirtAddr(start), size, mapping, false);
        }
        else
        {
            // File-backed (private, or shared read-only in practice): read the file's contents into a private area.
            byte[] stat = new byte[144];
            long st = HostSpanCall(SyscallNumber.Fstat, stat, 1, hostFd);
            if (st < 0)
            {
                return st;
            }

            long fileSize = BitConverter.ToInt64(stat, 48);
            ulong available = fileSize > (long)offset ? Math.Min((ulong)(fileSize - (long)offset), size) : 0;
            if (available > MaxCopiedMapping)
            {
                return Errno(LinuxError.ENOMEM);
            }

            byte[] contents = new byte[available];
            long r = HostSpanCall(SyscallNumber.Pread64, contents, 1, hostFd, 0, (long)available, (long)offset);
            if (r < 0)
            {
                t.Cpu.MappingsChanged(start, start + size);
                return r;
            }

            e = t.Space.MapLinear(new VirtAddr(start), size, mapping, contents.AsSpan(0, (int)r));
        }

        t.Cpu.MappingsChanged(start, start + size);
        if (e != LinuxError.None)
        {
            return Errno(e == LinuxError.EEXIST ? LinuxError.EEXIST : e);
        }

        return (long)start;
    }

    private static long Munmap(Task t, ulong addr, ulong length)
    {
        if ((addr & Pages.OffsetMask4K) != 0 || length == 0 || !Pages.TryAlignUp4K(length, out ulong size) || addr > GuestLayout.UserEnd || size > GuestLayout.UserEnd - addr || addr < GuestLayout.UserStart)
        {
            return Einval;
        }

        LinuxError e = t.Space.Unmap(new VirtAddr(addr), size);
        t.Cpu.MappingsChanged(addr, addr + size);
        return e == LinuxError.None ? 0 : Errno(e);
    }

    private static long Mprotect(Task t, ulong addr, ulong length, ulong prot)
    {
        if ((addr & Pages.OffsetMask4K) != 0 || !Pages.TryAlignUp4K(length, out ulong size))
        {
            return Einval;
        }

        if (size == 0)
        {
            return 0;
        }

        if (addr < GuestLayout.UserStart || addr > GuestLayout.UserEnd || size > GuestLayout.UserEnd - addr
            || !IsFullyMapped(t, addr, addr + size))
        {
            return Errno(LinuxError.ENOMEM);
        }

        if (t.Cpu.MappedRegionCount >= t.Cpu.MaxMappedRegions)
        {
            return Errno(LinuxError.ENOMEM);
        }

        LinuxError e = t.Space.Protect(new VirtAddr(addr), size, ProtToFlags(prot));
        t.Cpu.MappingsChanged(addr, addr + size);
        return e == LinuxError.None ? 0 : Errno(e);
    }

    private static long Mremap(Task t, ulong oldAddr, ulong oldLength, ulong newLength, ulong flags, ulong newAddr)
    {
        if ((oldAddr & Pages.OffsetMask4K) != 0 || (flags & ~3UL) != 0 || newLength == 0)
        {
            return Einval;
        }

        if (!Pages.TryAlignUp4K(oldLength, out ulong oldSize) || !Pages.TryAlignUp4K(newLength, out ulong newSize) || newSize > GuestLayout.UserEnd)
        {
            return Errno(LinuxError.ENOMEM);
        }

        MemoryAreaInfo? area = AreaAt(t, oldAddr);
        if (area is not MemoryAreaInfo info || oldAddr + oldSize > info.Range.End.Value)
        {
            return Errno(LinuxError.EFAULT);
        }

        if (newSize <= oldSize)
        {
            if (newSize < oldSize)
            {
                t.Space.Unmap(new VirtAddr(oldAddr + newSize), oldSize - newSize);
                t.Cpu.MappingsChanged(oldAddr + newSize, oldAddr + oldSize);
            }

            return (long)oldAddr;
        }

        if (oldAddr + newSize <= GuestLayout.UserEnd
            && t.Space.MapAlloc(new VirtAddr(oldAddr + oldSize), newSize - oldSize, info.Flags, false) == LinuxError.None)
        {
            t.Cpu.MappingsChanged(oldAddr + oldSize, oldAddr + newSize);
            return (long)oldAddr;
        }

        if ((flags & 1) == 0)
        {
            return Errno(LinuxError.ENOMEM);
        }

        var limit = new VirtAddrRange(new VirtAddr(GuestLayout.MmapBase), new VirtAddr(GuestLayout.StackBottom - (1UL << 20)));
        if (!t.Space.TryFindFreeArea(new VirtAddr(GuestLayout.MmapBase), newSize, limit, Pages.Size4K, out VirtAddr target))
        {
            return Errno(LinuxError.ENOMEM);
        }

        // Move the contents through the core: copy the old range in, map the new one, copy out, unmap the old.
        if (oldSize > MaxCopiedMapping)
        {
            return Errno(LinuxError.ENOMEM);
        }

        byte[] contents = new byte[oldSize];
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            ulong readable = AccessiblePrefix(in access, oldAddr, oldSize, false);
            if (readable > 0)
            {
                if (UserConstPtr<byte>.FromAddress(new VirtAddr(oldAddr)).GetAsSlice(in access, readable).TryGetValue(out ReadOnlySpan<byte> old))
                {
                    old.CopyTo(contents);
                }
            }
        }

        LinuxError e = t.Space.MapLinear(target, newSize, info.Flags, contents);
        if (e != LinuxError.None)
        {
            return Errno(e);
        }

        t.Space.Unmap(new VirtAddr(oldAddr), oldSize);
        t.Cpu.MappingsChanged(oldAddr, oldAddr + oldSize);
        t.Cpu.MappingsChanged(target.Value, target.Value + newSize);
        return (long)target.Value;
    }

    private static MemoryAreaInfo? AreaAt(Task t, ulong address)
    {
        foreach (MemoryAreaInfo a in t.Space.GetAreas())
        {
            if (address >= a.Range.Start.Value && address < a.Range.End.Value)
            {
                return a;
            }
        }

        return null;
    }

    private static bool IsFullyMapped(Task t, ulong start, ulong end)
    {
        ulong cursor = start;
        foreach (MemoryAreaInfo a in t.Space.GetAreas())
        {
            if (a.Range.End.Value <= cursor)
            {
                continue;
            }

            if (a.Range.Start.Value > cursor)
            {
                return false;
            }

            cursor = a.Range.End.Value;
            if (cursor >= end)
            {
                return true;
            }
        }

        return cursor >= end;
    }
}
