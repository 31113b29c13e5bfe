using System;

namespace UserMemory.AddressSpace;

/// <summary>A description of one memory area, as returned by <see cref="AddrSpace.GetAreas"/>.</summary>
/// <param name="Range">The page-aligned guest range.</param>
/// <param name="Flags">The area's permissions.</param>
/// <param name="Kind">What backs it.</param>
/// <param name="IsLazy">True when pages are populated on first access rather than when mapped.</param>
/// <param name="SharedMemory">The shared memory object for <see cref="MemoryAreaKind.Shared"/>, else null.</param>
/// <param name="SharedOffset">The byte offset of <see cref="VirtAddrRange.Start"/> inside <paramref name="SharedMemory"/>.</param>
public readonly record struct MemoryAreaInfo(
    VirtAddrRange Range,
    MappingFlags Flags,
    MemoryAreaKind Kind,
    bool IsLazy,
    SharedMemory? SharedMemory = null,
    ulong SharedOffset = 0)
{
    /// <summary>Whether a fork leaves the area out of the child (<c>MADV_DONTFORK</c>; see
    /// <see cref="AddrSpace.AdviseFork"/>).</summary>
    public bool DontFork { get; init; }

    /// <summary>Whether a fork gives the child fresh zero pages here (<c>MADV_WIPEONFORK</c>; see
    /// <see cref="AddrSpace.AdviseFork"/>).</summary>
    public bool WipeOnFork { get; init; }

    /// <summary>Whether faults here populate one page at a time, without the anonymous fault-around window
    /// (<c>MADV_NOHUGEPAGE</c>; see <see cref="AddrSpace.AdviseHugePages"/>).</summary>
    public bool NoHugePage { get; init; }

    /// <summary>The area as text, in the style of a line of <c>/proc/pid/maps</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        FormattableString.Invariant($"{Range} {Flags} {Kind}{(IsLazy ? " lazy" : string.Empty)}{(DontFork ? " dontfork" : string.Empty)}{(WipeOnFork ? " wipeonfork" : string.Empty)}{(NoHugePage ? " nohugepage" : string.Empty)}");
}
