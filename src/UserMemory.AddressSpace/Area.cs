namespace UserMemory.AddressSpace;

/// <summary>One memory area: a page-aligned, non-empty guest range with one set of flags and one backing.</summary>
internal struct Area
{
    public ulong Start;
    public ulong End;
    public MappingFlags Flags;
    public MemoryAreaKind Kind;
    public bool IsLazy;

    /// <summary>The shared object for <see cref="MemoryAreaKind.Shared"/> (the area holds one reference on it).</summary>
    public SharedMemory? Shared;

    /// <summary>Offset of <see cref="Start"/> inside <see cref="Shared"/>.</summary>
    public ulong SharedOffset;

    /// <summary>For a private file mapping (<see cref="AddrSpace.MapPrivateFile"/>), the file its pages are read from
    /// on first population (the area holds one reference on it); else null.</summary>
    public FileSource? File;

    /// <summary>The file offset of <see cref="Start"/> inside <see cref="File"/>.</summary>
    public ulong FileOffset;

    /// <summary><c>MADV_DONTFORK</c> (Linux's <c>VM_DONTCOPY</c>): a fork leaves the area out of the child.</summary>
    public bool DontFork;

    /// <summary><c>MADV_WIPEONFORK</c> (Linux's <c>VM_WIPEONFORK</c>, private anonymous areas only): a fork gives the
    /// child fresh zero pages here, and the child keeps the advice.</summary>
    public bool WipeOnFork;

    /// <summary><c>MADV_NOHUGEPAGE</c> (Linux's <c>VM_NOHUGEPAGE</c>): faults here populate one page at a time, without
    /// the anonymous fault-around window (<see cref="AddrSpaceOptions.AnonymousFaultAroundPages"/>).</summary>
    public bool NoHugePage;

    public readonly ulong Size => End - Start;

    /// <summary>This area cut down to <c>[start, end)</c>, which must lie inside it.</summary>
    public readonly Area Slice(ulong start, ulong end)
    {
        Area piece = this;
        piece.Start = start;
        piece.End = end;
        if (Kind == MemoryAreaKind.Shared)
        {
            piece.SharedOffset = SharedOffset + (start - Start);
        }

        if (File is not null)
        {
            piece.FileOffset = FileOffset + (start - Start);
        }

        return piece;
    }

    public readonly MemoryAreaInfo ToInfo() =>
        new(new VirtAddrRange(Start, End), Flags, Kind, IsLazy, Shared, SharedOffset) { DontFork = DontFork, WipeOnFork = WipeOnFork, NoHugePage = NoHugePage };
}
