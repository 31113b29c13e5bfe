namespace UserMemory.AddressSpace;

/// <summary>Tunables of an <see cref="AddrSpace"/>.</summary>
public sealed class AddrSpaceOptions
{
    /// <summary>The default <see cref="MemoryLimit"/>: 16 GiB.</summary>
    public const ulong DefaultMemoryLimit = 16UL << 30;

    /// <summary>The default <see cref="MaxHostMappings"/>: a quarter of Linux's default <c>vm.max_map_count</c>.</summary>
    public const int DefaultMaxHostMappings = 16384;

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
}
