namespace UserMemory.AddressSpace;

/// <summary>Tunables of an <see cref="AddrSpace"/>.</summary>
public sealed class AddrSpaceOptions
{
    /// <summary>The default <see cref="MemoryLimit"/>: 16 GiB.</summary>
    public const ulong DefaultMemoryLimit = 16UL << 30;

    /// <summary>The default <see cref="MaxHostMappings"/>: a quarter of Linux's default <c>vm.max_map_count</c>.</summary>
    public const int DefaultMaxHostMappings = 16384;

    /// <summary>The default <see cref="AnonymousFaultAroundPages"/>: 16 pages (64 KiB, the smallest anonymous mTHP size
    /// Linux's arm64 and x86 kernels commonly enable, and the size of its file fault-around).</summary>
    public const int DefaultAnonymousFaultAroundPages = 16;

    /// <summary>The largest <see cref="AnonymousFaultAroundPages"/>: 512 pages (2 MiB, a PMD huge page).</summary>
    public const int MaxAnonymousFaultAroundPages = 512;

    /// <summary>The options used when none are given.</summary>
    public static AddrSpaceOptions Default { get; } = new();

    /// <summary>
    /// Bytes of committed private memory the space may hold: pages of private areas that are populated (eager areas
    /// count in full when mapped, lazy pages when first populated). Going over it answers ENOMEM instead of letting the
    /// host run out of memory. Shared memory (<see cref="SharedMemory"/>) is not counted. Default 16 GiB.
    /// </summary>
    public ulong MemoryLimit { get; init; } = DefaultMemoryLimit;

    /// <summary>
    /// Whether to maintain the guest view (<see cref="AddrSpace.GuestViewBase"/>), whose host protections follow the
    /// areas. Each run of pages with one protection is one host mapping, so a space with many small areas of
    /// alternating permissions costs many host mappings; without the guest view a space costs one host mapping plus
    /// a few per shared area, whatever its number of areas. Default true.
    /// </summary>
    public bool GuestView { get; init; } = true;

    /// <summary>
    /// The most host mappings (entries of <c>/proc/self/maps</c>) this space may use; a map or protect that would need
    /// more answers ENOMEM, as Linux does when a process reaches <c>vm.max_map_count</c>. It keeps one guest from
    /// exhausting the limit the whole host process (and the .NET runtime) shares. Default 16384.
    /// </summary>
    public int MaxHostMappings { get; init; } = DefaultMaxHostMappings;

    /// <summary>
    /// Pages a write fault in a lazy private anonymous area populates at once (<see cref="AddrSpace.HandlePageFault"/>),
    /// modelled on Linux's anonymous multi-size THP: the naturally aligned window of this many pages around the
    /// faulting page, clipped to its area; pages already populated are skipped, and every newly populated page counts
    /// against <see cref="MemoryLimit"/> as a single page does. When the whole window would pass the limit, only the
    /// faulting page is populated (a fault the single page satisfies never fails). Read and execute faults, areas
    /// advised <c>MADV_NOHUGEPAGE</c> (<see cref="AddrSpace.AdviseHugePages"/>), shared memory, private file mappings
    /// (they have their own read-ahead window) and population through the core (<see cref="AddrSpace.PrepareAccess"/>,
    /// <see cref="AddrSpace.PopulateArea"/>) stay page-granular. Under a virtualizing CPU each first touch of a page is
    /// an exit, so growing heaps fault a window's worth of times less. The window's pages stay committed, so a guest
    /// that writes one byte per window reaches <see cref="MemoryLimit"/> up to a window's worth of times sooner (as
    /// under Linux's mTHP with a memory cgroup limit); turn it off for such a guest. A power of two up to
    /// <see cref="MaxAnonymousFaultAroundPages"/>; 0 or 1 turns it off. Default
    /// <see cref="DefaultAnonymousFaultAroundPages"/>.
    /// </summary>
    public int AnonymousFaultAroundPages { get; init; } = DefaultAnonymousFaultAroundPages;
}
