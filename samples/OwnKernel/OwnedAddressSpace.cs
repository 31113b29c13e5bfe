using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using UserMemory;

namespace OwnKernel;

/// <summary>
/// A guest address space over memory this kernel owns: one pinned byte array, guest address <c>va</c> at
/// <c>array[va - UserStart]</c>, with a short list of areas (start, size, flags). Everything is backed eagerly, so
/// there is nothing lazy to populate and no page fault to resolve. It shows the whole <see cref="IUserAddressSpace"/>
/// contract a kernel author fills in; UserMemory does the validation, scans and copies on top of it.
/// </summary>
internal sealed class OwnedAddressSpace : IUserAddressSpace, IDisposable
{
    /// <summary>The first user address. The pages below stay unmapped, so a NULL pointer faults.</summary>
    public const ulong UserStart = 0x1_0000;

    private const ulong PageSize = 4096;
    private const MappingFlags AccessBits = MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute;

    private readonly byte[] _memory;
    private readonly nuint _kernelBase;
    private readonly List<Area> _areas = [];

    // Access scopes take the read side (re-entrant); map and unmap take the write side, so they wait until no
    // borrowed span can still point into the memory they change.
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>Reserves <paramref name="size"/> bytes of guest memory starting at <see cref="UserStart"/>.</summary>
    public OwnedAddressSpace(int size)
    {
        _memory = GC.AllocateArray<byte>(size, pinned: true);
        _kernelBase = (nuint)Marshal.UnsafeAddrOfPinnedArrayElement(_memory, 0);
        UserRange = VirtAddrRange.FromStartSize(UserStart, (ulong)size);
    }

    /// <inheritdoc/>
    public VirtAddrRange UserRange { get; }

    /// <summary>Maps a page-aligned area (the kernel's mmap). Areas must not overlap.</summary>
    public void Map(ulong start, ulong size, MappingFlags flags)
    {
        if (start % PageSize != 0 || size % PageSize != 0 || !UserRange.Contains(VirtAddrRange.FromStartSize(start, size)))
        {
            throw new ArgumentOutOfRangeException(nameof(start), "areas are page-aligned and inside the user range");
        }

        _lock.EnterWriteLock();
        try
        {
            _areas.Add(new Area(start, start + size, flags));
            _areas.Sort((a, b) => a.Start.CompareTo(b.Start));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>What the user program's own stores do: write bytes into its memory (this toy CPU ignores protections,
    /// like a loader). The kernel never uses this; it goes through UserMemory.</summary>
    public void StoreAsUser(ulong address, ReadOnlySpan<byte> bytes) =>
        bytes.CopyTo(_memory.AsSpan(checked((int)(address - UserStart))));

    /// <inheritdoc/>
    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access)
    {
        if (!UserRange.Contains(range))
        {
            return false;
        }

        // Walk the sorted areas: every byte must be covered by adjacent areas that all allow the access.
        ulong next = range.Start.Value;
        foreach (Area area in _areas)
        {
            if (next >= range.End.Value)
            {
                break;
            }

            if (area.End <= next)
            {
                continue;
            }

            if (area.Start > next || (area.Flags & access & AccessBits) != (access & AccessBits))
            {
                return false;
            }

            next = area.End;
        }

        return next >= range.End.Value;
    }

    /// <inheritdoc/>
    public LinuxError PopulateArea(VirtAddrRange range)
    {
        if (range.Start.Value % PageSize != 0 || range.End.Value % PageSize != 0)
        {
            return LinuxError.EINVAL;
        }

        // Eagerly backed: populated exactly when mapped.
        return CheckRegionAccess(range, MappingFlags.None) ? LinuxError.None : LinuxError.EFAULT;
    }

    /// <inheritdoc/>
    public bool HandlePageFault(VirtAddr address, MappingFlags access) => IsMapped(address, access);

    /// <inheritdoc/>
    public bool IsPopulated(VirtAddr address) => IsMapped(address, MappingFlags.None);

    /// <inheritdoc/>
    public nuint GetKernelAddress(VirtAddr address) => _kernelBase + (nuint)(address.Value - UserStart);

    /// <inheritdoc/>
    public void EnterAccess() => _lock.EnterReadLock();

    /// <inheritdoc/>
    public void ExitAccess() => _lock.ExitReadLock();

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();

    private bool IsMapped(VirtAddr address, MappingFlags access) =>
        VirtAddrRange.TryFromStartSize(address, 1, out VirtAddrRange oneByte) && CheckRegionAccess(oneByte, access);

    private readonly record struct Area(ulong Start, ulong End, MappingFlags Flags);
}
