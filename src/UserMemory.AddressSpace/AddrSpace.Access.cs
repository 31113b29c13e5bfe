using System.Runtime.CompilerServices;
using UserMemory.UnsafeAccess;

namespace UserMemory.AddressSpace;

/// <summary>The core's contract: checks, population, faults and translation.</summary>
public sealed partial class AddrSpace
{
    /// <summary>The largest area (in pages, 2 MiB) whose population <see cref="PrepareWindow"/> checks in full to answer
    /// the whole area as one window; larger areas answer the request's pages.</summary>
    private const ulong MaxWindowPages = 512;

    /// <inheritdoc/>
    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access)
    {
        if (range.IsEmpty)
        {
            return UserRange.Contains(range);
        }

        _lock.EnterRead();
        try
        {
            return IsCovered(range.Start.Value, range.End.Value - 1, access);
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Pages of private areas become committed (counted in <see cref="CommittedBytes"/>) and read as zero
    /// until written. Safe to call from inside an access scope: it takes only the shared side.</remarks>
    public LinuxError PopulateArea(VirtAddrRange range)
    {
        if (!range.IsPageAligned)
        {
            return LinuxError.EINVAL;
        }

        if (range.IsEmpty)
        {
            return UserRange.Contains(range) ? LinuxError.None : LinuxError.EFAULT;
        }

        _lock.EnterRead();
        try
        {
            ulong last = range.End.Value - 1;
            int index = _areas.FindContaining(range.Start.Value);
            if (index < 0 || !IsCovered(range.Start.Value, last, MappingFlags.None))
            {
                return LinuxError.EFAULT;
            }

            return PopulateCovered(index, range.Start.Value, last);
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Returns false also when populating the page would pass <see cref="MemoryLimit"/>.</remarks>
    public bool HandlePageFault(VirtAddr address, MappingFlags access)
    {
        if ((access & MappingFlags.User) == 0 && !UserAccessContext.IsAccessingUserMemory)
        {
            throw new KernelOopsException(address, access);
        }

        MappingFlags required = access & ~MappingFlags.User;
        _lock.EnterRead();
        try
        {
            int index = _areas.FindContaining(address.Value);
            if (index < 0 || (_areas[index].Flags & required) != required)
            {
                return false;
            }

            ulong page = address.Value >> Pages.Shift4K;
            if (_bitmap.IsSet(page))
            {
                return true;
            }

            ref Area area = ref _areas[index];
            if (area.File is not null)
            {
                return PopulatePrivateFilePages(in area, page, page + 1, faultAround: true) == LinuxError.None;
            }

            return (TakesFaultAround(in area, required) && PopulateFaultAroundWindow(in area, page))
                || PopulatePages(in area, page, page + 1) == LinuxError.None;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <inheritdoc/>
    public bool IsPopulated(VirtAddr address) => _bitmap.IsSet(address.Value >> Pages.Shift4K);

    /// <inheritdoc/>
    [RequiresUnsafeUserMemory]
    public nuint GetKernelAddress(VirtAddr address) => (nuint)KernelBase + (nuint)address.Value;

    /// <summary>
    /// The fused fast path: one area lookup (usually a hit on the last-area hints), a flag check, a population check in the
    /// bitmap (populating only missing pages), and the kernel address <c>KernelBase + start</c>.
    /// </summary>
    /// <param name="start">The first user address.</param>
    /// <param name="size">The number of bytes (zero: succeeds for any address in the user range or at its end).</param>
    /// <param name="access">The flags every byte's area must carry.</param>
    /// <param name="kernelAddress">The kernel address of <paramref name="start"/> on success, else 0.</param>
    /// <returns>None; EFAULT (overflow, not covered, flags missing); ENOMEM (over <see cref="MemoryLimit"/>).</returns>
    /// <remarks>Call it inside an access scope on this space (as the core does): the answer holds until the scope
    /// ends.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [RequiresUnsafeUserMemory]
    public LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        ulong s = start.Value;
        kernelAddress = 0;
        if (size == 0)
        {
            return PrepareEmpty(s, out kernelAddress);
        }

        ulong last = s + (size - 1);
        int index = _areas.FindContaining(s);
        if (last < s || index < 0)
        {
            return LinuxError.EFAULT;
        }

        ref Area area = ref _areas[index];
        if ((area.Flags & access) != access)
        {
            return LinuxError.EFAULT;
        }

        if (last >= area.End)
        {
            return PrepareSpanning(index, s, last, access, out kernelAddress);
        }

        ulong firstPage = s >> Pages.Shift4K;
        ulong lastPage = last >> Pages.Shift4K;
        if (!_bitmap.AllSet(firstPage, lastPage))
        {
            LinuxError populated = PopulatePages(in area, firstPage, lastPage + 1);
            if (populated != LinuxError.None)
            {
                return populated;
            }
        }

        kernelAddress = (nuint)KernelBase + (nuint)s;
        return LinuxError.None;
    }

    /// <summary>
    /// <see cref="PrepareAccess"/>, answering the run a scope may cache: the pages of the request's area that the
    /// request covers (all populated now), with the area's flags. Spanning requests answer exactly the request.
    /// </summary>
    /// <param name="start">The first user address.</param>
    /// <param name="size">The number of bytes, above zero.</param>
    /// <param name="access">The flags every byte's area must carry.</param>
    /// <param name="window">The validated run on success, else <see cref="ValidatedWindow.None"/>.</param>
    /// <returns>As <see cref="PrepareAccess"/>.</returns>
    /// <remarks>A request inside one crowded 2 MiB slot (one holding more than a few areas, so the slot index keeps a
    /// page-granular leaf for it) is answered from the leaf and the population bitmap alone, with no area record read:
    /// the window is then the request's pages. Anything else, and every request that needs population or fails, takes
    /// the full path, which answers the whole area for small populated areas.</remarks>
    [RequiresUnsafeUserMemory]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LinuxError PrepareWindow(VirtAddr start, ulong size, MappingFlags access, out ValidatedWindow window)
    {
        ulong s = start.Value;
        ulong last = s + (size - 1);
        if (_areas.SlotIndex is { } slots && size != 0 && last >= s)
        {
            MappingFlags flags = slots.LeafFlags(s, last);
            ulong firstPage = s >> Pages.Shift4K;
            ulong lastPage = last >> Pages.Shift4K;
            if ((flags & access) == access && flags != MappingFlags.None && _bitmap.AllSet(firstPage, lastPage))
            {
                window = new ValidatedWindow(firstPage << Pages.Shift4K, (lastPage << Pages.Shift4K) + Pages.OffsetMask4K, (nuint)KernelBase, flags);
                return LinuxError.None;
            }
        }

        return PrepareWindowFull(s, size, access, out window);
    }

    /// <summary><see cref="PrepareWindow"/> through the area list: hints, slot index or B-tree, then the area record,
    /// population, and the window widened to small populated areas.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private LinuxError PrepareWindowFull(ulong s, ulong size, MappingFlags access, out ValidatedWindow window)
    {
        window = ValidatedWindow.None;
        ulong last = s + (size - 1);
        int index = _areas.FindContaining(s);
        if (size == 0 || last < s || index < 0)
        {
            return size == 0 ? PrepareEmpty(s, out _) : LinuxError.EFAULT;
        }

        ref Area area = ref _areas[index];
        if ((area.Flags & access) != access)
        {
            return LinuxError.EFAULT;
        }

        nuint delta = (nuint)KernelBase;
        if (last >= area.End)
        {
            LinuxError spanning = PrepareSpanning(index, s, last, access, out _);
            if (spanning == LinuxError.None)
            {
                window = new ValidatedWindow(s, last, delta, access);
            }

            return spanning;
        }

        ulong firstPage = s >> Pages.Shift4K;
        ulong lastPage = last >> Pages.Shift4K;
        if (!_bitmap.AllSet(firstPage, lastPage))
        {
            LinuxError populated = PopulatePages(in area, firstPage, lastPage + 1);
            if (populated != LinuxError.None)
            {
                return populated;
            }
        }

        // Areas are page-granular, so the request's page cover lies in the area and is populated now. Widen the window to
        // the whole area when it is small and fully populated, so that a scope walking through it (a string, a large
        // copy, many fields) asks once.
        ulong areaFirstPage = area.Start >> Pages.Shift4K;
        ulong areaLastPage = (area.End >> Pages.Shift4K) - 1;
        if (areaLastPage - areaFirstPage < MaxWindowPages && (areaFirstPage < firstPage || areaLastPage > lastPage)
            && _bitmap.AllSet(areaFirstPage, areaLastPage))
        {
            firstPage = areaFirstPage;
            lastPage = areaLastPage;
        }

        window = new ValidatedWindow(firstPage << Pages.Shift4K, (lastPage << Pages.Shift4K) + Pages.OffsetMask4K, delta, area.Flags);
        return LinuxError.None;
    }

    private LinuxError PrepareEmpty(ulong start, out nuint kernelAddress)
    {
        if (start >= UserRange.Start.Value && start <= UserRange.End.Value)
        {
            kernelAddress = (nuint)KernelBase + (nuint)start;
            return LinuxError.None;
        }

        kernelAddress = 0;
        return LinuxError.EFAULT;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private LinuxError PrepareSpanning(int index, ulong start, ulong last, MappingFlags access, out nuint kernelAddress)
    {
        kernelAddress = 0;
        if (!IsCovered(start, last, access))
        {
            return LinuxError.EFAULT;
        }

        LinuxError populated = PopulateCovered(index, start, last);
        if (populated != LinuxError.None)
        {
            return populated;
        }

        kernelAddress = (nuint)KernelBase + (nuint)start;
        return LinuxError.None;
    }

    /// <summary>True when <c>[start, last]</c> is covered by contiguous areas whose flags include
    /// <paramref name="access"/>. Caller holds the lock (either side).</summary>
    private bool IsCovered(ulong start, ulong last, MappingFlags access)
    {
        int index = _areas.FindContaining(start);
        if (index < 0)
        {
            return false;
        }

        while (true)
        {
            ref Area area = ref _areas[index];
            if ((area.Flags & access) != access)
            {
                return false;
            }

            if (last < area.End)
            {
                return true;
            }

            index++;
            if (index >= _areas.Count || _areas[index].Start != area.End)
            {
                return false;
            }
        }
    }

    /// <summary>Populates <c>[start, last]</c>, known to be covered by contiguous areas from
    /// <paramref name="index"/> on: all of it, or (ENOMEM) nothing.</summary>
    private LinuxError PopulateCovered(int index, ulong start, ulong last)
    {
        ulong firstPage = start >> Pages.Shift4K;
        ulong endPage = (last >> Pages.Shift4K) + 1;
        ulong missing = 0;
        int end = index;
        for (; end < _areas.Count; end++)
        {
            ref Area area = ref _areas[end];
            ulong from = System.Math.Max(firstPage, area.Start >> Pages.Shift4K);
            ulong to = System.Math.Min(endPage, area.End >> Pages.Shift4K);
            if (from >= to)
            {
                break;
            }

            if (area.File is not null)
            {
                LinuxError file = PopulatePrivateFilePages(in area, from, to, faultAround: false);
                if (file != LinuxError.None)
                {
                    return file; // past the end of the file, or over the limit
                }
            }
            else if (area.Kind == MemoryAreaKind.Private)
            {
                missing += _bitmap.CountClear(from, to);
            }
            else if (area.Shared is { IsFile: true })
            {
                LinuxError file = PopulateFilePages(in area, from, to);
                if (file != LinuxError.None)
                {
                    return file; // past the end of the file: nothing private was committed yet
                }
            }
        }

        if (!TryCommit(missing))
        {
            return LinuxError.ENOMEM;
        }

        ulong set = 0;
        for (int i = index; i < end; i++)
        {
            ref Area area = ref _areas[i];
            ulong from = System.Math.Max(firstPage, area.Start >> Pages.Shift4K);
            ulong to = System.Math.Min(endPage, area.End >> Pages.Shift4K);
            if (area.File is not null)
            {
                continue; // populated from the file above, under its fill lock
            }

            ulong newly = _bitmap.SetRange(from, to);
            if (area.Kind == MemoryAreaKind.Private)
            {
                set += newly;
            }
        }

        Uncommit(missing - set); // other threads populated some of them meanwhile
        return LinuxError.None;
    }

    /// <summary>Populates pages <c>[first, end)</c> of <paramref name="area"/>; lock-free, safe against other threads
    /// populating the same pages. Private pages are committed against the limit first.</summary>
    private LinuxError PopulatePages(in Area area, ulong first, ulong end)
    {
        if (area.File is not null)
        {
            return PopulatePrivateFilePages(in area, first, end, faultAround: false);
        }

        if (area.Kind != MemoryAreaKind.Private)
        {
            if (area.Shared is { IsFile: true })
            {
                return PopulateFilePages(in area, first, end);
            }

            _ = _bitmap.SetRange(first, end); // memfd pages are populated when mapped; this only repairs
            return LinuxError.None;
        }

        ulong missing = _bitmap.CountClear(first, end);
        if (missing == 0)
        {
            return LinuxError.None;
        }

        if (!TryCommit(missing))
        {
            return LinuxError.ENOMEM;
        }

        ulong set = _bitmap.SetRange(first, end);
        Uncommit(missing - set); // another thread populated some of them meanwhile
        return LinuxError.None;
    }
}
