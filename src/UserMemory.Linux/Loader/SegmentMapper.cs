using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Loader;

/// <summary>
/// Maps the PT_LOAD segments of one ELF image at a load bias, the way Linux's ELF loader lays them out:
/// <list type="bullet">
/// <item>the pages holding a segment's file bytes (<c>p_offset .. p_offset + p_filesz</c>, page-rounded) are private
/// copies of the file, with everything past <c>p_filesz</c> in the last file page zero;</item>
/// <item>the pages past the last file page up to <c>p_vaddr + p_memsz</c> (the rest of <c>.bss</c>) are a lazy
/// anonymous area: no page is populated or cleared until the guest touches it, so a huge <c>.bss</c> costs nothing;</item>
/// <item>a page shared by two segments gets both segments' permissions and bytes (the later segment's bytes win, as
/// Linux's later fixed mapping replaces the page).</item>
/// </list>
/// The span is cut at every segment boundary into pieces; adjacent pieces with equal permissions and kind merge.
/// </summary>
internal static class SegmentMapper
{
    /// <summary>The lowest and highest (page-rounded) addresses of the image's PT_LOAD segments, before biasing.</summary>
    /// <param name="image">The image.</param>
    /// <param name="low">The page-aligned start of the lowest segment.</param>
    /// <param name="high">The page-aligned end of the highest segment.</param>
    /// <returns>False when the image has no non-empty PT_LOAD segment or the end overflows.</returns>
    public static bool TryGetSpan(ElfImage image, out ulong low, out ulong high)
    {
        low = ulong.MaxValue;
        high = 0;
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type != ElfSegment.Load || s.MemorySize == 0)
            {
                continue;
            }

            low = Math.Min(low, Pages.AlignDown4K(s.VirtualAddress));
            high = Math.Max(high, s.VirtualAddress + s.MemorySize);
        }

        return low != ulong.MaxValue && Pages.TryAlignUp4K(high, out high);
    }

    /// <summary>The largest PT_LOAD <c>p_align</c> (at least a page, at most <paramref name="cap"/>): the alignment
    /// a position-independent image's load bias keeps.</summary>
    /// <param name="image">The image.</param>
    /// <param name="cap">The largest alignment honoured.</param>
    /// <returns>A power of two.</returns>
    public static ulong LoadAlignment(ElfImage image, ulong cap)
    {
        ulong alignment = Pages.Size4K;
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type == ElfSegment.Load && Pages.IsPowerOfTwo(s.Alignment) && s.Alignment > alignment)
            {
                alignment = Math.Min(s.Alignment, cap);
            }
        }

        return alignment;
    }

    /// <summary>Maps every PT_LOAD segment of <paramref name="image"/> at <paramref name="bias"/>.</summary>
    /// <param name="space">The address space (the span must be free).</param>
    /// <param name="image">The parsed image.</param>
    /// <param name="file">The file the image was parsed from (segment offsets are already validated against it).</param>
    /// <param name="bias">The load bias (0 for ET_EXEC).</param>
    /// <returns>None, or the space's error (ENOMEM, EEXIST...).</returns>
    public static LinuxError Map(AddrSpace space, ElfImage image, ReadOnlySpan<byte> file, ulong bias)
    {
        List<Piece> pieces = CutIntoPieces(image, bias);
        int run = 0;
        for (int i = 1; i <= pieces.Count; i++)
        {
            if (i < pieces.Count && pieces[i].Start == pieces[i - 1].End && pieces[i].Flags == pieces[run].Flags
                && pieces[i].HoldsFileBytes == pieces[run].HoldsFileBytes)
            {
                continue;
            }

            LinuxError e = MapRun(space, image, file, bias, pieces[run].Start, pieces[i - 1].End, pieces[run].Flags, pieces[run].HoldsFileBytes);
            if (e != LinuxError.None)
            {
                return e;
            }

            run = i;
        }

        return LinuxError.None;
    }

    private static LinuxError MapRun(AddrSpace space, ElfImage image, ReadOnlySpan<byte> file, ulong bias, ulong start, ulong end, MappingFlags flags, bool holdsFileBytes)
    {
        ulong size = end - start;
        if (!holdsFileBytes)
        {
            return space.MapAlloc(new VirtAddr(start), size, flags, populate: false);
        }

        // File pages: the bytes each segment has in [start, end); the tail of the last file page stays zero. The
        // usual run is one segment's file bytes from its first page on, mapped straight from the file's bytes.
        if (TrySingleSegmentBytes(image, file, bias, start, end, out ReadOnlySpan<byte> single))
        {
            return space.MapLinear(new VirtAddr(start), size, flags, single);
        }

        byte[] contents = new byte[size];
        ulong used = 0;
        foreach (ElfSegment s in image.Segments)
        {
            if (!TryClipFileBytes(s, bias, start, end, out ulong from, out ulong to, out ulong fileOffset))
            {
                continue;
            }

            file.Slice((int)fileOffset, (int)(to - from)).CopyTo(contents.AsSpan((int)(from - start)));
            used = Math.Max(used, to - start);
        }

        return space.MapLinear(new VirtAddr(start), size, flags, contents.AsSpan(0, (int)used));
    }

    /// <summary>The part <c>[from, to)</c> of <c>[start, end)</c> that holds file bytes of <paramref name="s"/>, and
    /// where those bytes start in the file; false when the segment has none there (or is not PT_LOAD).</summary>
    private static bool TryClipFileBytes(in ElfSegment s, ulong bias, ulong start, ulong end, out ulong from, out ulong to, out ulong fileOffset)
    {
        from = Math.Max(bias + s.VirtualAddress, start);
        to = Math.Min(bias + s.VirtualAddress + s.FileSize, end);
        fileOffset = s.Offset + (from - (bias + s.VirtualAddress));
        return s.Type == ElfSegment.Load && s.FileSize != 0 && from < to;
    }

    /// <summary>True when exactly one segment has file bytes in <c>[start, end)</c> and they begin at
    /// <paramref name="start"/>: <paramref name="bytes"/> are then those bytes.</summary>
    private static bool TrySingleSegmentBytes(ElfImage image, ReadOnlySpan<byte> file, ulong bias, ulong start, ulong end, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        int found = 0;
        foreach (ElfSegment s in image.Segments)
        {
            if (!TryClipFileBytes(s, bias, start, end, out ulong from, out ulong to, out ulong fileOffset))
            {
                continue;
            }

            if (++found > 1 || from != start)
            {
                return false;
            }

            bytes = file.Slice((int)fileOffset, (int)(to - from));
        }

        return found == 1;
    }

    /// <summary>Cuts the span at every segment's start, end of file pages and end, and describes each piece.</summary>
    private static List<Piece> CutIntoPieces(ElfImage image, ulong bias)
    {
        var cuts = new SortedSet<ulong>();
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type == ElfSegment.Load && s.MemorySize != 0)
            {
                Bounds b = BoundsOf(s, bias);
                cuts.Add(b.Start);
                cuts.Add(b.FileEnd);
                cuts.Add(b.End);
            }
        }

        var pieces = new List<Piece>();
        ulong previous = 0;
        bool first = true;
        foreach (ulong cut in cuts)
        {
            if (!first && cut > previous)
            {
                bool covered = false;
                bool fileBytes = false;
                MappingFlags flags = MappingFlags.User;
                foreach (ElfSegment s in image.Segments)
                {
                    if (s.Type != ElfSegment.Load || s.MemorySize == 0)
                    {
                        continue;
                    }

                    Bounds b = BoundsOf(s, bias);
                    if (previous >= b.Start && cut <= b.End)
                    {
                        covered = true;
                        flags |= s.MappingFlags;
                        fileBytes |= cut <= b.FileEnd;
                    }
                }

                if (covered)
                {
                    pieces.Add(new Piece(previous, cut, flags, fileBytes));
                }
            }

            previous = cut;
            first = false;
        }

        return pieces;
    }

    private static Bounds BoundsOf(ElfSegment s, ulong bias)
    {
        ulong start = Pages.AlignDown4K(bias + s.VirtualAddress);
        ulong fileEnd = s.FileSize == 0 ? start : AlignUp(bias + s.VirtualAddress + s.FileSize);
        return new Bounds(start, fileEnd, AlignUp(bias + s.VirtualAddress + s.MemorySize));
    }

    // Parsing bounds p_vaddr and p_memsz far below 2^64, so rounding up cannot overflow.
    private static ulong AlignUp(ulong value) => (value + Pages.OffsetMask4K) & ~Pages.OffsetMask4K;

    /// <summary>A segment's page-rounded start, end of its file pages, and end.</summary>
    private readonly record struct Bounds(ulong Start, ulong FileEnd, ulong End);

    /// <summary>A piece of the image between two cuts.</summary>
    private readonly record struct Piece(ulong Start, ulong End, MappingFlags Flags, bool HoldsFileBytes);
}
