using System;
using System.Buffers;
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
        b.Add(SyscallNumber.Mmap, SupportLevel.Partial, "MAP_PRIVATE of a regular file reads each page in on first touch (a snapshot of the file then, also in a forked child; SIGBUS past the file's end); of other files, a private copy of at most 256 MiB", static (t, a) => Serialized(t, a, static (t, a) => Mmap(t, a[0], a[1], a[2], a[3], a[4], a[5])));
        b.Add(SyscallNumber.Mprotect, SupportLevel.Full, "", static (t, a) => Serialized(t, a, static (t, a) => Mprotect(t, a[0], a[1], a[2])));
        b.Add(SyscallNumber.Munmap, SupportLevel.Full, "", static (t, a) => Serialized(t, a, static (t, a) => Munmap(t, a[0], a[1])));
        b.Add(SyscallNumber.Brk, SupportLevel.Full, "", static (t, a) => Serialized(t, a, static (t, a) => Brk(t, a[0])));
        b.Add(SyscallNumber.Mremap, SupportLevel.Partial, "a moved private mapping is copied (at most 256 MiB); MREMAP_DONTUNMAP leaves fresh zero pages behind; shared anonymous memory cannot grow past its size", static (t, a) => Serialized(t, a, static (t, a) => Mremap(t, a[0], a[1], a[2], a[3], a[4])));
        b.Add(SyscallNumber.Msync, SupportLevel.Full, "", static (t, a) => Msync(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Madvise, SupportLevel.Partial, "arguments and mapped range checked as Linux does (ENOMEM for unmapped parts); MADV_DONTNEED frees private pages (zero, or the file again, on the next touch); MADV_DONTFORK leaves the range out of a forked child and MADV_WIPEONFORK gives it zero pages there (EINVAL on shared and file mappings, though not on the loader's segments), MADV_DOFORK and MADV_KEEPONFORK undo them; MADV_NOHUGEPAGE keeps faults page-granular (no anonymous fault-around window), MADV_HUGEPAGE undoes it; other advice changes nothing", static (t, a) => Madvise(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Mlock, SupportLevel.Stub, "arguments checked; every page already stays in memory", static (t, a) => Mlock(t, a[0], a[1]));
        b.Add(SyscallNumber.Munlock, SupportLevel.Stub, "arguments checked", static (t, a) => Mlock(t, a[0], a[1]));
        b.Add(SyscallNumber.Mincore, SupportLevel.Full, "a page is resident when the address space populated it", static (t, a) => Mincore(t, a[0], a[1], a[2]));
    }

    /// <summary>Runs a call that changes the areas under the group's map lock (Linux's mmap lock taken for
    /// writing): threads of one process run in parallel on KVM, and mmap's "find a free range, then map it" must not
    /// interleave with another thread's mmap (which would answer EEXIST) or munmap.</summary>
    private static long Serialized(Kernel.Task t, ReadOnlySpan<ulong> a, SyscallBody body)
    {
        lock (t.Group.MapGate)
        {
            return body(t, a);
        }
    }

    private delegate long SyscallBody(Kernel.Task t, ReadOnlySpan<ulong> a);

    private const ulong MapShared = (ulong)MapFlags.Shared;
    private const ulong MapPrivate = (ulong)MapFlags.Private;
    private const ulong MapFixed = (ulong)MapFlags.Fixed;
    private const ulong MapAnonymous = (ulong)MapFlags.Anonymous;
    private const ulong MapFixedNoReplace = (ulong)MapFlags.FixedNoReplace;

    private const ulong MremapMayMove = 1;
    private const ulong MremapFixed = 2;
    private const ulong MremapDontUnmap = 4;
    private const ulong MremapKnownFlags = MremapMayMove | MremapFixed | MremapDontUnmap;

    private const ulong MsyncAsync = 1;
    private const ulong MsyncInvalidate = 2;
    private const ulong MsyncSync = 4;

    /// <summary>The highest advice number Linux knows (<c>MADV_COLLAPSE</c>); hardware-poison advice (100, 101) is
    /// refused like an unknown one (it needs CAP_SYS_ADMIN).</summary>
    private const ulong MaxAdvice = 25;

    /// <summary><c>MADV_DONTNEED</c>: the last of the classic advice values; 5 to 7 are unassigned.</summary>
    private const ulong LastClassicAdvice = 4;

    /// <summary><c>MADV_DONTNEED</c>.</summary>
    private const ulong AdviceDontNeed = 4;

    /// <summary><c>MADV_FREE</c>.</summary>
    private const ulong FirstNewerAdvice = 8;

    /// <summary><c>MADV_DONTFORK</c>.</summary>
    private const ulong AdviceDontFork = 10;

    /// <summary><c>MADV_DOFORK</c>.</summary>
    private const ulong AdviceDoFork = 11;

    /// <summary><c>MADV_WIPEONFORK</c>.</summary>
    private const ulong AdviceWipeOnFork = 18;

    /// <summary><c>MADV_KEEPONFORK</c>.</summary>
    private const ulong AdviceKeepOnFork = 19;

    /// <summary><c>MADV_HUGEPAGE</c>: undoes <see cref="AdviceNoHugePage"/>.</summary>
    private const ulong AdviceHugePage = 14;

    /// <summary><c>MADV_NOHUGEPAGE</c>: faults stay page-granular (<see cref="AddrSpace.AdviseHugePages"/>).</summary>
    private const ulong AdviceNoHugePage = 15;

    /// <summary>Linux's x86-64 <c>TASK_SIZE</c> (47-bit user space minus a guard page): lengths beyond it are invalid,
    /// not merely too large for this runner's smaller user range.</summary>
    private const ulong LinuxTaskSize = 0x7FFF_FFFF_F000;

    /// <summary>Linux's default <c>vm.max_map_count</c>: the most areas a process may have.</summary>
    internal const int MaxMapCount = 65530;

    /// <summary>The largest mapping whose contents are copied through managed memory (a private mapping of something
    /// other than a regular file, a moving mremap); larger ones answer ENOMEM instead of exhausting the host.</summary>
    private const ulong MaxCopiedMapping = 256UL << 20;

    /// <summary>The largest private file mapping read through a pooled buffer; larger ones get a buffer of their own,
    /// so the pool never keeps one of them alive.</summary>
    private const ulong MaxPooledMappingBuffer = 8UL << 20;

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
        SharedMappings.RepairAfterHostFaults(t);
        if (length == 0 || (offset & Pages.OffsetMask4K) != 0 || ((flags & (MapShared | MapPrivate)) == 0))
        {
            return Einval;
        }

        if (!Pages.TryAlignUp4K(length, out ulong size) || size > GuestLayout.UserEnd)
        {
            return Errno(LinuxError.ENOMEM);
        }

        if (t.Cpu.MappedRegionCount >= t.Cpu.MaxMappedRegions || t.Space.AreaCount > MaxMapCount)
        {
            return Errno(LinuxError.ENOMEM);
        }

        bool anonymous = (flags & MapAnonymous) != 0;
        long hostFd = -1;
        if (!anonymous && !t.TryHostFd(fd, out hostFd))
        {
            return Ebadf;
        }

        if (!anonymous && offset > long.MaxValue - size)
        {
            return Errno(LinuxError.EOVERFLOW); // the file offset of the mapping's end does not fit in loff_t
        }

        ulong start;
        if ((flags & (MapFixed | MapFixedNoReplace)) != 0)
        {
            if ((addr & Pages.OffsetMask4K) != 0)
            {
                return Einval;
            }

            if (addr < GuestLayout.UserStart)
            {
                return Errno(LinuxError.EPERM); // below mmap_min_addr
            }

            if (addr > GuestLayout.UserEnd - size)
            {
                return Errno(LinuxError.ENOMEM);
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
        bool shared = (flags & MapShared) != 0; // MAP_SHARED or MAP_SHARED_VALIDATE
        LinuxError e;
        if (anonymous && shared)
        {
            e = SharedMappings.MapAnonymous(t, start, size, mapping);
        }
        else if (anonymous)
        {
            e = t.Space.MapAlloc(new VirtAddr(start), size, mapping, false);
        }
        else if (shared && SharedMappings.IsRegularFile(hostFd))
        {
            long mapped = SharedMappings.MapFile(t, start, size, mapping, (int)hostFd, offset);
            t.Cpu.MappingsChanged(start, start + size);
            return mapped < 0 ? mapped : (long)start;
        }
        else if (!shared && SharedMappings.IsRegularFile(hostFd))
        {
            // A private mapping of a regular file: pages are read in on first touch (AddrSpace.MapPrivateFile).
            long readable = SharedMappings.CheckReadable(hostFd);
            if (readable < 0)
            {
                t.Cpu.MappingsChanged(start, start + size);
                return readable;
            }

            e = t.Space.MapPrivateFile(new VirtAddr(start), size, mapping, (int)hostFd, offset);
            if (e is LinuxError.EMFILE or LinuxError.ENFILE)
            {
                // The host has no descriptor left for the space's own one: copy the file's bytes now instead.
                long copied = MapCopy(t, start, size, mapping, hostFd, offset, out e);
                if (copied < 0)
                {
                    t.Cpu.MappingsChanged(start, start + size);
                    return copied;
                }
            }
        }
        else if (SharedMappings.IsUnmappableFile(hostFd))
        {
            t.Cpu.MappingsChanged(start, start + size);
            return Errno(LinuxError.ENODEV);
        }
        else
        {
            // A mapping of something other than a regular file: read its contents into a private area.
            long copied = MapCopy(t, start, size, mapping, hostFd, offset, out e);
            if (copied < 0)
            {
                t.Cpu.MappingsChanged(start, start + size);
                return copied;
            }
        }

        t.Cpu.MappingsChanged(start, start + size);
        if (e != LinuxError.None)
        {
            return Errno(e == LinuxError.EEXIST ? LinuxError.EEXIST : e);
        }

        return (long)start;
    }

    /// <summary>Maps <c>[start, start + size)</c> as a private area holding a copy of the file's bytes from
    /// <paramref name="offset"/>, read now (at most <see cref="MaxCopiedMapping"/> of them).</summary>
    /// <returns>0 with the space's answer in <paramref name="e"/>, or <c>-errno</c> from the host (fstat, pread) or
    /// ENOMEM for too many bytes.</returns>
    private static long MapCopy(Task t, ulong start, ulong size, MappingFlags mapping, long hostFd, ulong offset, out LinuxError e)
    {
        e = LinuxError.None;
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

        // A pooled buffer for the usual sizes: a fresh one costs a host page fault per page.
        byte[] contents = available <= MaxPooledMappingBuffer ? ArrayPool<byte>.Shared.Rent((int)available) : new byte[available];
        try
        {
            long r = HostSpanCall(SyscallNumber.Pread64, contents.AsSpan(0, (int)available), 1, hostFd, 0, (long)available, (long)offset);
            if (r < 0)
            {
                return r;
            }

            e = t.Space.MapLinear(new VirtAddr(start), size, mapping, contents.AsSpan(0, (int)r));
            return 0;
        }
        finally
        {
            if (available <= MaxPooledMappingBuffer)
            {
                ArrayPool<byte>.Shared.Return(contents);
            }
        }
    }

    private static long Munmap(Task t, ulong addr, ulong length)
    {
        SharedMappings.RepairAfterHostFaults(t);

        // Linux's bounds (do_vmi_munmap): the whole of user space, not only the part the guest's mappings can use.
        if ((addr & Pages.OffsetMask4K) != 0 || length == 0 || !Pages.TryAlignUp4K(length, out ulong size) || addr > LinuxTaskSize || size > LinuxTaskSize - addr)
        {
            return Einval;
        }

        // Nothing is ever mapped outside the guest's layout (below it: Linux's mmap_min_addr), so only the part
        // inside it has anything to unmap: munmap(NULL, 4096) succeeds, as it does on Linux.
        ulong start = Math.Max(addr, GuestLayout.UserStart), end = Math.Min(addr + size, GuestLayout.UserEnd);
        if (start >= end)
        {
            return 0;
        }

        if (WouldExceedMapCount(t, start, end))
        {
            return Errno(LinuxError.ENOMEM);
        }

        LinuxError e = t.Space.Unmap(new VirtAddr(start), end - start);
        t.Cpu.MappingsChanged(start, end);
        return e == LinuxError.None ? 0 : Errno(e);
    }

    /// <summary>True when cutting <c>[start, end)</c> out of the areas would split one in two while the process is
    /// at <see cref="MaxMapCount"/> (Linux answers ENOMEM rather than pass vm.max_map_count).</summary>
    private static bool WouldExceedMapCount(Task t, ulong start, ulong end)
    {
        if (t.Space.AreaCount < MaxMapCount)
        {
            return false;
        }

        MemoryAreaInfo? first = AreaAt(t, start);
        return first is MemoryAreaInfo a && a.Range.Start.Value < start && a.Range.End.Value > end;
    }

    private static long Mprotect(Task t, ulong addr, ulong length, ulong prot)
    {
        SharedMappings.RepairAfterHostFaults(t);
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

        if (t.Cpu.MappedRegionCount >= t.Cpu.MaxMappedRegions || WouldExceedMapCount(t, addr, addr + size))
        {
            return Errno(LinuxError.ENOMEM);
        }

        if ((ProtToFlags(prot) & MappingFlags.Write) != 0 && SharedMappings.HasReadOnlyFile(t, addr, addr + size))
        {
            return Errno(LinuxError.EACCES); // MAP_SHARED of a descriptor not open for writing
        }

        LinuxError e = t.Space.Protect(new VirtAddr(addr), size, ProtToFlags(prot));
        t.Cpu.MappingsChanged(addr, addr + size);
        return e == LinuxError.None ? 0 : Errno(e);
    }

    private static long Mremap(Task t, ulong oldAddr, ulong oldLength, ulong newLength, ulong flags, ulong newAddr)
    {
        bool mayMove = (flags & MremapMayMove) != 0;
        bool fixedTarget = (flags & MremapFixed) != 0;
        bool dontUnmap = (flags & MremapDontUnmap) != 0;
        if ((flags & ~MremapKnownFlags) != 0 || (oldAddr & Pages.OffsetMask4K) != 0 || (fixedTarget && !mayMove)
            || (dontUnmap && (!mayMove || oldLength != newLength)))
        {
            return Einval;
        }

        // Lengths round up to pages; one that wraps to zero or passes Linux's TASK_SIZE is invalid.
        if (!Pages.TryAlignUp4K(oldLength, out ulong oldSize) || !Pages.TryAlignUp4K(newLength, out ulong newSize)
            || newSize == 0 || oldSize > LinuxTaskSize || newSize > LinuxTaskSize)
        {
            return Einval;
        }

        if (fixedTarget)
        {
            if ((newAddr & Pages.OffsetMask4K) != 0 || newAddr > LinuxTaskSize - newSize
                || (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize))
            {
                return Einval;
            }

            if (newAddr < GuestLayout.UserStart || newAddr > GuestLayout.UserEnd - newSize)
            {
                return Errno(LinuxError.ENOMEM);
            }
        }

        MemoryAreaInfo? area = MergedAreaAt(t, oldAddr);
        if (area is not MemoryAreaInfo info || oldSize > info.Range.End.Value - oldAddr)
        {
            return Errno(LinuxError.EFAULT);
        }

        if (!fixedTarget && !dontUnmap)
        {
            if (newSize <= oldSize)
            {
                if (newSize < oldSize)
                {
                    t.Space.Unmap(new VirtAddr(oldAddr + newSize), oldSize - newSize);
                    t.Cpu.MappingsChanged(oldAddr + newSize, oldAddr + oldSize);
                }

                return (long)oldAddr;
            }

            if (newSize <= GuestLayout.UserEnd && oldAddr <= GuestLayout.UserEnd - newSize
                && Extend(t, info, oldAddr, oldSize, new VirtAddr(oldAddr + oldSize), newSize - oldSize) == LinuxError.None)
            {
                t.Cpu.MappingsChanged(oldAddr + oldSize, oldAddr + newSize);
                return (long)oldAddr;
            }

            if (!mayMove)
            {
                return Errno(LinuxError.ENOMEM);
            }
        }

        return info.SharedMemory is null
            ? MoveMapping(t, info, oldAddr, oldSize, newSize, fixedTarget ? newAddr : null, dontUnmap)
            : MoveSharedMapping(t, info, oldAddr, oldSize, newSize, fixedTarget ? newAddr : null, dontUnmap);
    }

    /// <summary>Maps <c>[at, at + size)</c> as the continuation of the area <paramref name="info"/> whose first
    /// <paramref name="oldSize"/> bytes start at <paramref name="oldAddr"/>: fresh private memory for a private area,
    /// the next pages of the same object for a shared one.</summary>
    private static LinuxError Extend(Task t, MemoryAreaInfo info, ulong oldAddr, ulong oldSize, VirtAddr at, ulong size)
    {
        LinuxError e = info.SharedMemory is SharedMemory shared
            ? t.Space.MapShared(at, size, info.Flags, shared, info.SharedOffset + (oldAddr - info.Range.Start.Value) + oldSize)
            : t.Space.MapAlloc(at, size, info.Flags, false);
        if (e == LinuxError.None)
        {
            KeepForkAdvice(t, info, at, size);
        }

        return e;
    }

    /// <summary>Gives a range mapped for mremap (the grown or moved part of <paramref name="info"/>) the area's fork
    /// advice: Linux's mremap keeps the mapping's flags.</summary>
    private static void KeepForkAdvice(Task t, MemoryAreaInfo info, VirtAddr at, ulong size)
    {
        if (info.DontFork)
        {
            _ = t.Space.AdviseFork(at, size, ForkAdvice.DontFork);
        }

        if (info.WipeOnFork)
        {
            _ = t.Space.AdviseFork(at, size, ForkAdvice.WipeOnFork);
        }
    }

    /// <summary>Moves a shared mapping: the target maps the same object at the same offset (the pages stay shared,
    /// nothing is copied); the old range is unmapped, or left as it is with MREMAP_DONTUNMAP.</summary>
    private static long MoveSharedMapping(Task t, MemoryAreaInfo info, ulong oldAddr, ulong oldSize, ulong newSize, ulong? fixedTarget, bool dontUnmap)
    {
        if (newSize > GuestLayout.UserEnd)
        {
            return Errno(LinuxError.ENOMEM);
        }

        VirtAddr target;
        if (fixedTarget is ulong wanted)
        {
            target = new VirtAddr(wanted);
            t.Space.Unmap(target, newSize);
            t.Cpu.MappingsChanged(target.Value, target.Value + newSize);
        }
        else
        {
            var limit = new VirtAddrRange(new VirtAddr(GuestLayout.MmapBase), new VirtAddr(GuestLayout.StackBottom - (1UL << 20)));
            if (!t.Space.TryFindFreeArea(new VirtAddr(GuestLayout.MmapBase), newSize, limit, Pages.Size4K, out target))
            {
                return Errno(LinuxError.ENOMEM);
            }
        }

        ulong offset = info.SharedOffset + (oldAddr - info.Range.Start.Value);
        LinuxError e = t.Space.MapShared(target, newSize, info.Flags, info.SharedMemory!, offset);
        t.Cpu.MappingsChanged(target.Value, target.Value + newSize);
        if (e != LinuxError.None)
        {
            return Errno(e == LinuxError.EINVAL ? LinuxError.ENOMEM : e); // past the end of shared anonymous memory
        }

        KeepForkAdvice(t, info, target, newSize);
        if (!dontUnmap)
        {
            t.Space.Unmap(new VirtAddr(oldAddr), oldSize);
            t.Cpu.MappingsChanged(oldAddr, oldAddr + oldSize);
        }

        return (long)target.Value;
    }

    /// <summary>Moves a mapping through the core: the old range is copied in, the target mapped with the area's flags
    /// and the copy written there, the old range unmapped (or, with MREMAP_DONTUNMAP, left as fresh zero pages).</summary>
    private static long MoveMapping(Task t, MemoryAreaInfo info, ulong oldAddr, ulong oldSize, ulong newSize, ulong? fixedTarget, bool dontUnmap)
    {
        if (newSize > GuestLayout.UserEnd || Math.Min(oldSize, newSize) > MaxCopiedMapping)
        {
            return Errno(LinuxError.ENOMEM);
        }

        VirtAddr target;
        if (fixedTarget is ulong wanted)
        {
            target = new VirtAddr(wanted);
        }
        else
        {
            var limit = new VirtAddrRange(new VirtAddr(GuestLayout.MmapBase), new VirtAddr(GuestLayout.StackBottom - (1UL << 20)));
            if (!t.Space.TryFindFreeArea(new VirtAddr(GuestLayout.MmapBase), newSize, limit, Pages.Size4K, out target))
            {
                return Errno(LinuxError.ENOMEM);
            }
        }

        ulong kept = Math.Min(oldSize, newSize);
        byte[] contents = new byte[kept];
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            ulong readable = AccessiblePrefix(in access, oldAddr, kept, false);
            if (readable > 0
                && UserConstPtr<byte>.FromAddress(new VirtAddr(oldAddr)).GetAsSlice(in access, readable).TryGetValue(out ReadOnlySpan<byte> old))
            {
                old.CopyTo(contents);
            }
        }

        if (fixedTarget is not null)
        {
            t.Space.Unmap(target, newSize);
            t.Cpu.MappingsChanged(target.Value, target.Value + newSize);
        }

        LinuxError e = t.Space.MapLinear(target, newSize, info.Flags, contents);
        if (e != LinuxError.None)
        {
            return Errno(e);
        }

        KeepForkAdvice(t, info, target, newSize);
        t.Space.Unmap(new VirtAddr(oldAddr), oldSize);
        if (dontUnmap && t.Space.MapAlloc(new VirtAddr(oldAddr), oldSize, info.Flags, false) == LinuxError.None)
        {
            KeepForkAdvice(t, info, new VirtAddr(oldAddr), oldSize);
        }

        t.Cpu.MappingsChanged(oldAddr, oldAddr + oldSize);
        t.Cpu.MappingsChanged(target.Value, target.Value + newSize);
        return (long)target.Value;
    }

    /// <summary>msync: flags and alignment as Linux checks them, ENOMEM when the range wraps or is not fully mapped;
    /// file-backed shared pages in the range are written back to their files (MS_SYNC waits).</summary>
    private static long Msync(Task t, ulong addr, ulong length, ulong flags)
    {
        SharedMappings.RepairAfterHostFaults(t);
        if ((flags & ~(MsyncAsync | MsyncInvalidate | MsyncSync)) != 0 || (addr & Pages.OffsetMask4K) != 0
            || ((flags & MsyncAsync) != 0 && (flags & MsyncSync) != 0))
        {
            return Einval;
        }

        ulong size = (length + Pages.OffsetMask4K) & ~Pages.OffsetMask4K;
        if (size < length || addr + size < addr)
        {
            return Errno(LinuxError.ENOMEM);
        }

        if (size == 0)
        {
            return 0;
        }

        if (!IsFullyMapped(t, addr, addr + size))
        {
            return Errno(LinuxError.ENOMEM);
        }

        LinuxError e = t.Space.SyncToFiles(VirtAddrRange.FromStartSize(new VirtAddr(addr), size), (flags & MsyncSync) != 0);
        return e == LinuxError.None ? 0 : Errno(e);
    }

    /// <summary>madvise: alignment, wrap and advice checked as Linux does; MADV_DONTNEED frees pages, the fork advice
    /// marks the areas (<see cref="AddrSpace.AdviseFork"/>), other advice is checked and ignored.</summary>
    private static long Madvise(Task t, ulong addr, ulong length, ulong advice)
    {
        if ((addr & Pages.OffsetMask4K) != 0 || advice > MaxAdvice || (advice > LastClassicAdvice && advice < FirstNewerAdvice))
        {
            return Einval;
        }

        ulong size = (length + Pages.OffsetMask4K) & ~Pages.OffsetMask4K;
        if ((length != 0 && size == 0) || addr + size < addr)
        {
            return Einval;
        }

        if (size == 0)
        {
            return 0;
        }

        bool inUserRange = addr >= GuestLayout.UserStart && addr + size <= GuestLayout.UserEnd;
        if (ForkAdviceOf(advice) is ForkAdvice fork)
        {
            return AdviseFork(t, addr, size, fork, inUserRange);
        }

        if (advice is AdviceHugePage or AdviceNoHugePage)
        {
            ulong first = Math.Max(addr, GuestLayout.UserStart);
            ulong last = Math.Min(addr + size, GuestLayout.UserEnd);
            LinuxError advised = first < last ? t.Space.AdviseHugePages(new VirtAddr(first), last - first, advice == AdviceNoHugePage) : LinuxError.ENOMEM;
            return inUserRange && advised == LinuxError.None ? 0 : Errno(LinuxError.ENOMEM); // records only: nothing for the CPU
        }

        if (advice != AdviceDontNeed)
        {
            return inUserRange && IsFullyMapped(t, addr, addr + size) ? 0 : Errno(LinuxError.ENOMEM);
        }

        // Linux applies the advice to the mapped parts, then reports the holes (DiscardPages finds them as it goes).
        ulong from = Math.Max(addr, GuestLayout.UserStart);
        ulong to = Math.Min(addr + size, GuestLayout.UserEnd);
        LinuxError e = LinuxError.ENOMEM;
        if (from < to)
        {
            e = t.Space.DiscardPages(new VirtAddr(from), to - from, out bool freed);
            if (freed)
            {
                t.Cpu.MappingsChanged(from, to); // nothing populated, nothing present: no re-sync, no TLB shootdown
            }
        }

        return inUserRange && e == LinuxError.None ? 0 : Errno(LinuxError.ENOMEM);
    }

    /// <summary>The fork advice an madvise number names, or null.</summary>
    private static ForkAdvice? ForkAdviceOf(ulong advice) => advice switch
    {
        AdviceDontFork => ForkAdvice.DontFork,
        AdviceDoFork => ForkAdvice.DoFork,
        AdviceWipeOnFork => ForkAdvice.WipeOnFork,
        AdviceKeepOnFork => ForkAdvice.KeepOnFork,
        _ => null,
    };

    /// <summary>MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK on a checked, non-empty range: the mapped
    /// parts change (up to an area Linux refuses the advice on: EINVAL), then unmapped parts answer ENOMEM. Only the
    /// areas' records change: no page, so nothing for the CPU to drop.</summary>
    private static long AdviseFork(Task t, ulong addr, ulong size, ForkAdvice advice, bool inUserRange)
    {
        ulong from = Math.Max(addr, GuestLayout.UserStart);
        ulong to = Math.Min(addr + size, GuestLayout.UserEnd);
        LinuxError e = from < to ? t.Space.AdviseFork(new VirtAddr(from), to - from, advice) : LinuxError.ENOMEM;
        return e == LinuxError.EINVAL ? Einval : inUserRange && e == LinuxError.None ? 0 : Errno(LinuxError.ENOMEM);
    }

    /// <summary>mlock/munlock: the range (rounded out to pages) must be mapped; a length that rounds to nothing locks
    /// nothing. Pages never leave memory here, so nothing else happens.</summary>
    private static long Mlock(Task t, ulong addr, ulong length)
    {
        ulong size = (length + (addr & Pages.OffsetMask4K) + Pages.OffsetMask4K) & ~Pages.OffsetMask4K;
        ulong start = Pages.AlignDown4K(addr);
        if (size == 0)
        {
            return 0;
        }

        // Linux (do_mlock): a range that wraps is EINVAL, one that is not wholly mapped ENOMEM.
        return start + size < start ? Einval : !IsFullyMapped(t, start, start + size) ? Errno(LinuxError.ENOMEM) : 0;
    }

    /// <summary>mincore: one byte per page, 1 when the address space populated the page.</summary>
    private static long Mincore(Task t, ulong addr, ulong length, ulong vector)
    {
        if ((addr & Pages.OffsetMask4K) != 0)
        {
            return Einval;
        }

        if (length > LinuxTaskSize || addr > LinuxTaskSize - length)
        {
            return Errno(LinuxError.ENOMEM);
        }

        ulong pages = (length + Pages.OffsetMask4K) >> Pages.Shift4K;
        if (pages == 0)
        {
            return 0;
        }

        if (!IsFullyMapped(t, addr, addr + (pages << Pages.Shift4K)) || pages > MaxCopiedMapping)
        {
            return Errno(LinuxError.ENOMEM);
        }

        byte[] resident = new byte[pages];
        for (ulong i = 0; i < pages; i++)
        {
            resident[i] = t.Space.IsPopulated(new VirtAddr(addr + (i << Pages.Shift4K))) ? (byte)1 : (byte)0;
        }

        return t.CopyOut(vector, resident) < 0 ? Efault : 0;
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

    /// <summary>The area containing <paramref name="address"/>, extended over the following areas Linux would have
    /// merged with it into one mapping (adjacent, same flags, same backing at contiguous offsets), which the address
    /// space keeps apart.</summary>
    private static MemoryAreaInfo? MergedAreaAt(Task t, ulong address)
    {
        MemoryAreaInfo? merged = null;
        foreach (MemoryAreaInfo a in t.Space.GetAreas())
        {
            if (merged is not MemoryAreaInfo m)
            {
                if (address >= a.Range.Start.Value && address < a.Range.End.Value)
                {
                    merged = a;
                }

                continue;
            }

            bool continues = a.Range.Start == m.Range.End && a.Flags == m.Flags && a.Kind == m.Kind
                && a.DontFork == m.DontFork && a.WipeOnFork == m.WipeOnFork
                && ReferenceEquals(a.SharedMemory, m.SharedMemory)
                && (m.SharedMemory is null || a.SharedOffset == m.SharedOffset + m.Range.Size);
            if (!continues)
            {
                break;
            }

            merged = m with { Range = new VirtAddrRange(m.Range.Start, a.Range.End) };
        }

        return merged;
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
