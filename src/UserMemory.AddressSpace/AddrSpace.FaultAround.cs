namespace UserMemory.AddressSpace;

/// <summary>
/// Anonymous fault-around (<see cref="AddrSpaceOptions.AnonymousFaultAroundPages"/>), modelled on Linux's anonymous
/// multi-size THP: a write fault in a lazy private anonymous area populates the naturally aligned window around the
/// page at once.
/// </summary>
/// <remarks>
/// <para><b>Policy.</b> Only write faults take a window (Linux answers a read fault in anonymous memory with the
/// shared zero page, which costs no memory, and allocates a large folio only on a write). Only lazy private anonymous
/// areas take one: shared memory is populated when mapped, eager areas are populated in full, private file mappings
/// have their own window (<c>FileFaultAroundPages</c>), and areas advised <c>MADV_NOHUGEPAGE</c>
/// (<see cref="AdviseHugePages"/>) stay page-granular, as Linux keeps them on order-0 pages. Stacks are ordinary
/// areas here: a stack grows one fault per window too (Linux likewise gives a stack large folios when the policy
/// allows). The window never leaves the faulting area, so a neighbour with other protections (a guard page, a
/// <c>PROT_NONE</c> reservation) or another mapping is never populated, and a window at the top of the address
/// space stops at the area's end.</para>
/// <para><b>Accounting.</b> Each page the window populates is committed against <see cref="MemoryLimit"/> exactly as
/// a single-page population commits it, and shows in <see cref="ResidentPages"/> (RSS, <c>mincore</c>) from then on;
/// <c>MADV_DONTNEED</c> frees it like any populated page. When the window's missing pages do not fit under the limit,
/// nothing of the window is committed and only the faulting page is populated, so a fault the single page satisfies
/// never fails. Lazy memory nobody touches still costs nothing: a window is populated only by a fault inside it.</para>
/// </remarks>
public sealed partial class AddrSpace
{
    /// <summary>
    /// Sets or clears <c>MADV_NOHUGEPAGE</c> on the areas in <c>[start, start + size)</c>, as Linux's <c>madvise</c>
    /// does for <c>MADV_NOHUGEPAGE</c> and <c>MADV_HUGEPAGE</c>: areas sticking out of the range are split so that only
    /// the overlapping part changes. An area with the advice takes no fault-around window
    /// (<see cref="AddrSpaceOptions.AnonymousFaultAroundPages"/>): its pages are populated one fault at a time. A new
    /// mapping starts without the advice; a snapshot (fork) keeps it, as Linux's <c>VM_NOHUGEPAGE</c> survives fork.
    /// </summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="pageGranular">True for <c>MADV_NOHUGEPAGE</c>, false for <c>MADV_HUGEPAGE</c> (which undoes it).</param>
    /// <returns>None; EINVAL (unaligned, empty, not inside <see cref="UserRange"/>); ENOMEM when part of the range is not
    /// mapped (the mapped parts change anyway) or splitting would pass <see cref="AddrSpaceOptions.MaxHostMappings"/>
    /// (nothing changes then).</returns>
    /// <exception cref="System.InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <remarks>Only the areas' records change, no page: nothing for a CPU to drop. Pages already populated stay
    /// populated.</remarks>
    public LinuxError AdviseHugePages(VirtAddr start, ulong size, bool pageGranular) =>
        AdviseAreas(start, size, (ref Area area) =>
        {
            area.NoHugePage = pageGranular;
            return LinuxError.None;
        });

    /// <summary>Whether a fault with <paramref name="required"/> access in <paramref name="area"/> takes a window.</summary>
    private bool TakesFaultAround(in Area area, MappingFlags required) =>
        _options.AnonymousFaultAroundPages > 1
        && (required & MappingFlags.Write) != 0
        && area.IsLazy
        && !area.NoHugePage
        && area.Kind == MemoryAreaKind.Private
        && area.File is null;

    /// <summary>Populates the aligned window around <paramref name="page"/>, clipped to <paramref name="area"/>: all of
    /// its missing pages, or (over the limit) none.</summary>
    /// <returns>Whether the window (and so the page) is populated.</returns>
    private bool PopulateFaultAroundWindow(in Area area, ulong page)
    {
        ulong mask = (ulong)_options.AnonymousFaultAroundPages - 1;
        ulong from = System.Math.Max(area.Start >> Pages.Shift4K, page & ~mask);
        ulong to = System.Math.Min(area.End >> Pages.Shift4K, (page | mask) + 1);
        return PopulatePages(in area, from, to) == LinuxError.None;
    }
}
