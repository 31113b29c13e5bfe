using UserMemory.AddressSpace;

namespace UserMemory.Linux.Process;

/// <summary>A fork state's shared area (<c>MAP_SHARED</c>): the child maps the same object, which it inherits as the
/// host descriptor <see cref="Descriptor"/>, instead of receiving a copy of the pages.</summary>
/// <param name="Start">The area's page-aligned start.</param>
/// <param name="End">The area's page-aligned end.</param>
/// <param name="Flags">The area's permissions.</param>
/// <param name="Descriptor">The host descriptor number the child inherits the object at (not close-on-exec only
/// while the child runner starts).</param>
/// <param name="Offset">The page-aligned offset of <paramref name="Start"/> in the object.</param>
/// <param name="Backing">What the descriptor is.</param>
internal readonly record struct HandoffSharedArea(ulong Start, ulong End, MappingFlags Flags, int Descriptor, ulong Offset, HandoffSharedBacking Backing);

/// <summary>What backs a <see cref="HandoffSharedArea"/>.</summary>
internal enum HandoffSharedBacking
{
    /// <summary>Shared anonymous memory: a memfd of page-aligned size.</summary>
    Memory = 0,

    /// <summary>A host file open for reading only.</summary>
    ReadOnlyFile = 1,

    /// <summary>A host file open for reading and writing.</summary>
    WritableFile = 2,
}
