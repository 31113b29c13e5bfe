using System;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// The guest's 4-level page tables, kept by the host. The upper levels are fixed at creation: every page directory of
/// the user range points at its slice of one linear array of page-table entries, so the entry of user page
/// <c>va / 4096</c> is element <c>va / 4096</c> of that array. Leaves start not present and become present only when
/// the address space has populated the page (<see cref="MapPage"/>); an area change clears them
/// (<see cref="ClearRange"/>), and the caller drops them from every TLB (see <c>KvmVirtualMachine</c>'s invariant).
/// </summary>
internal sealed class GuestPageTables
{
    /// <summary>Entry bit: present.</summary>
    public const ulong Present = 1UL << 0;

    /// <summary>Entry bit: writable.</summary>
    public const ulong Writable = 1UL << 1;

    /// <summary>Entry bit: reachable from user mode.</summary>
    public const ulong UserAccessible = 1UL << 2;

    /// <summary>Entry bit: set by the CPU on access.</summary>
    public const ulong Accessed = 1UL << 5;

    /// <summary>Entry bit: set by the CPU on write.</summary>
    public const ulong Dirty = 1UL << 6;

    /// <summary>Entry bit: no instruction fetch (needs EFER.NXE).</summary>
    public const ulong NoExecute = 1UL << 63;

    /// <summary>The physical-address bits of an entry.</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    private const int PageShift = 12;
    private const ulong EntriesPerTablePage = SystemRegionLayout.PageSize / sizeof(ulong);

    private readonly SystemRegion _region;
    private readonly SystemRegionLayout _layout;
    private ulong _lowestMapped = ulong.MaxValue;
    private ulong _mappedEnd;

    /// <summary>Builds the fixed upper levels and the system mappings; all user leaves start not present.</summary>
    /// <param name="region">The system region (zero-filled).</param>
    public GuestPageTables(SystemRegion region)
    {
        _region = region;
        _layout = region.Layout;
        ulong upper = Present | Writable;
        Span<ulong> pml4 = region.Words(SystemRegionLayout.Pml4Page, SystemRegionLayout.EntriesPerTable);
        pml4[0] = _layout.PageAddress(SystemRegionLayout.PdptPage) | upper | UserAccessible;

        Span<ulong> pdpt = region.Words(SystemRegionLayout.PdptPage, SystemRegionLayout.EntriesPerTable);
        for (int gib = 0; gib < _layout.UserGigabytes; gib++)
        {
            pdpt[gib] = _layout.PageAddress(SystemRegionLayout.FirstUserDirectoryPage + gib) | upper | UserAccessible;
            Span<ulong> directory = region.Words(SystemRegionLayout.FirstUserDirectoryPage + gib, SystemRegionLayout.EntriesPerTable);
            for (int i = 0; i < SystemRegionLayout.EntriesPerTable; i++)
            {
                ulong tableIndex = ((ulong)gib * SystemRegionLayout.EntriesPerTable) + (ulong)i;
                if (tableIndex * SystemRegionLayout.LargePageSize >= _layout.UserEnd)
                {
                    break;
                }

                ulong table = _layout.Base + _layout.UserTablesOffset + (tableIndex * SystemRegionLayout.PageSize);
                directory[i] = table | upper | UserAccessible;
            }
        }

        int systemGib = (int)(_layout.Base / SystemRegionLayout.GigabyteSize);
        pdpt[systemGib] = _layout.PageAddress(SystemRegionLayout.SystemDirectoryPage) | upper | UserAccessible;
        Span<ulong> systemDirectory = region.Words(SystemRegionLayout.SystemDirectoryPage, SystemRegionLayout.SystemTablePages);
        for (int table = 0; table < SystemRegionLayout.SystemTablePages; table++)
        {
            systemDirectory[table] = _layout.PageAddress(SystemRegionLayout.SystemTablePage + table) | upper | UserAccessible;
        }

        // The tables are consecutive pages, so the region's page i is entry i counted from the first one.
        Span<ulong> systemTable = region.Words(SystemRegionLayout.SystemTablePage, SystemRegionLayout.MappedPages);
        for (int page = 0; page < SystemRegionLayout.MappedPages; page++)
        {
            bool code = page is >= SystemRegionLayout.StubPage and < SystemRegionLayout.StubPage + SystemRegionLayout.StubPages;
            ulong access = page == SystemRegionLayout.StubPage ? UserAccessible : code ? 0 : Writable | NoExecute;
            systemTable[page] = _layout.PageAddress(page) | Present | access;
        }
    }

    /// <summary>The value of CR3 (the PML4's address).</summary>
    public ulong Root => _layout.PageAddress(SystemRegionLayout.Pml4Page);

    /// <summary>Makes user page <paramref name="address"/> present with the given permissions (guest-physical equals
    /// guest-virtual). Entries only ever gain permissions here, and a page fault already evicted the faulting
    /// address's TLB entry, so no flush is needed.</summary>
    /// <param name="address">An address in the page (below the user end).</param>
    /// <param name="flags">The area's permissions (<see cref="MappingFlags.Write"/>, <see cref="MappingFlags.Execute"/>).</param>
    public void MapPage(ulong address, MappingFlags flags)
    {
        ulong page = address >> PageShift;
        ulong entry = (page << PageShift) | Present | UserAccessible;
        if ((flags & MappingFlags.Write) != 0)
        {
            entry |= Writable;
        }

        if ((flags & MappingFlags.Execute) == 0)
        {
            entry |= NoExecute;
        }

        // Bounds first, then the entry: ClearRange on another thread (another vCPU's munmap) reads the bounds and
        // must not skip a present entry. Several vCPUs map pages at once, so the bounds move atomically.
        AtomicMin(ref _lowestMapped, page << PageShift);
        AtomicMax(ref _mappedEnd, (page + 1) << PageShift);
        _region.WordsAt(_layout.UserTablesOffset + (page * sizeof(ulong)), 1)[0] = entry;
    }

    /// <summary>Sets the entry of user page <paramref name="address"/> to present with <paramref name="flags"/>, or
    /// not present when <paramref name="flags"/> is <see cref="MappingFlags.None"/>.</summary>
    /// <param name="address">An address in the page (below the user end).</param>
    /// <param name="flags">The permissions, or none.</param>
    /// <returns>True when a present entry lost something (presence, write or execute): a TLB flush is due.</returns>
    public bool SetPage(ulong address, MappingFlags flags)
    {
        ulong old = EntryOf(address);
        if (flags == MappingFlags.None)
        {
            _region.WordsAt(_layout.UserTablesOffset + ((address >> PageShift) * sizeof(ulong)), 1)[0] = 0;
            return (old & Present) != 0;
        }

        MapPage(address, flags);
        ulong now = EntryOf(address);
        bool lostWrite = (old & Writable) != 0 && (now & Writable) == 0;
        bool lostExecute = (old & Present) != 0 && (old & NoExecute) == 0 && (now & NoExecute) != 0;
        return (old & Present) != 0 && (lostWrite || lostExecute);
    }

    /// <summary>The entry of the page containing <paramref name="address"/> (for tests and diagnostics).</summary>
    /// <param name="address">A user address.</param>
    /// <returns>The entry.</returns>
    public ulong EntryOf(ulong address) => _region.WordsAt(_layout.UserTablesOffset + ((address >> PageShift) * sizeof(ulong)), 1)[0];

    /// <summary>Makes every page of <c>[start, end)</c> not present (clipped to the user range). Whole table pages
    /// go back to the host; the caller must flush the TLB before the guest runs again.</summary>
    /// <param name="start">The first address.</param>
    /// <param name="end">The end address.</param>
    /// <returns>The smallest page-aligned range holding every entry that was present before the clear (empty when
    /// none was): only those pages can have a translation anywhere (a TLB, or a shadow-paging KVM's copy).</returns>
    public (ulong Start, ulong End) ClearRange(ulong start, ulong end)
    {
        start = Math.Max(start, Volatile.Read(ref _lowestMapped) & ~((EntriesPerTablePage << PageShift) - 1));
        end = Math.Min(Math.Min(end, _layout.UserEnd), Volatile.Read(ref _mappedEnd));
        if (start >= end)
        {
            return default;
        }

        ulong firstPage = start >> PageShift;
        ulong endPage = (end + SystemRegionLayout.PageSize - 1) >> PageShift;
        (ulong Start, ulong End) present = PresentSpan(firstPage, endPage);
        ulong firstWholeTable = (firstPage + EntriesPerTablePage - 1) / EntriesPerTablePage;
        ulong endWholeTable = endPage / EntriesPerTablePage;
        if (firstWholeTable >= endWholeTable)
        {
            ClearEntries(firstPage, endPage);
            return present;
        }

        ClearEntries(firstPage, firstWholeTable * EntriesPerTablePage);
        _region.Discard(
            _layout.UserTablesOffset + (firstWholeTable * SystemRegionLayout.PageSize),
            (endWholeTable - firstWholeTable) * SystemRegionLayout.PageSize);
        ClearEntries(endWholeTable * EntriesPerTablePage, endPage);
        return present;
    }

    /// <summary>The page-aligned address range from the first to past the last present entry of pages
    /// <c>[firstPage, endPage)</c> (entries are zero exactly when not present); table pages of zeros are skipped
    /// whole.</summary>
    private (ulong Start, ulong End) PresentSpan(ulong firstPage, ulong endPage)
    {
        ulong low = ulong.MaxValue;
        ulong high = 0;
        for (ulong page = firstPage; page < endPage;)
        {
            ulong tableEnd = Math.Min(endPage, ((page / EntriesPerTablePage) + 1) * EntriesPerTablePage);
            ReadOnlySpan<ulong> entries = _region.WordsAt(_layout.UserTablesOffset + (page * sizeof(ulong)), (int)(tableEnd - page));
            int first = entries.IndexOfAnyExcept(0UL);
            if (first >= 0)
            {
                low = Math.Min(low, page + (ulong)first);
                high = page + (ulong)entries.LastIndexOfAnyExcept(0UL) + 1;
            }

            page = tableEnd;
        }

        return low == ulong.MaxValue ? default : (low << PageShift, high << PageShift);
    }

    private static void AtomicMin(ref ulong location, ulong value)
    {
        ulong seen = Volatile.Read(ref location);
        while (value < seen)
        {
            ulong was = Interlocked.CompareExchange(ref location, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private static void AtomicMax(ref ulong location, ulong value)
    {
        ulong seen = Volatile.Read(ref location);
        while (value > seen)
        {
            ulong was = Interlocked.CompareExchange(ref location, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private void ClearEntries(ulong firstPage, ulong endPage)
    {
        if (endPage > firstPage)
        {
            _region.WordsAt(_layout.UserTablesOffset + (firstPage * sizeof(ulong)), (int)(endPage - firstPage)).Clear();
        }
    }
}
