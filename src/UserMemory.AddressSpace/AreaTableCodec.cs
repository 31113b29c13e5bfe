using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserMemory.AddressSpace;

/// <summary>
/// The binary layout of <see cref="AddrSpaceSnapshot.AreaTable"/> (little-endian):
/// a header (magic <c>"UMAS"</c>, version, user range start and size, counts), the size of each shared object, the
/// flags of each private file (<see cref="FileRecord"/>), the areas (a private file area names its file by index and
/// keeps its file offset; <see cref="ForkBits"/>), then the populated page runs of private areas.
/// </summary>
internal static class AreaTableCodec
{
    private const uint Magic = 0x53414D55; // "UMAS"

    /// <summary>2: private files and fork advice (1 had neither: private file areas were read in before a snapshot).</summary>
    private const uint Version = 2;
    private const int HeaderSize = 4 + 4 + 8 + 8 + 4 + 4 + 4 + 4;
    private const int FileRecordSize = 4;
    private const int AreaSize = 8 + 8 + 4 + 1 + 1 + 1 + 1 + 4 + 8 + 4 + 8;
    private const int RunSize = 16;

    /// <summary>What a snapshot says about one private file.</summary>
    [Flags]
    internal enum FileRecord : uint
    {
        None = 0,

        /// <summary>The descriptor is a file description of the space's own (<see cref="FileSource.SeeksPrivately"/>).</summary>
        SeeksPrivately = 1,
    }

    /// <summary>An area's fork advice as stored.</summary>
    [Flags]
    internal enum ForkBits : byte
    {
        None = 0,

        /// <summary><see cref="Area.DontFork"/> (kept only by a snapshot that does not apply the advice: a vfork's).</summary>
        DontFork = 1,

        /// <summary><see cref="Area.WipeOnFork"/>: the restored area keeps the advice.</summary>
        WipeOnFork = 2,

        /// <summary>This snapshot wiped the area: it carries no page of it, and a borrower must not read the lent
        /// memory there.</summary>
        Wiped = 4,

        /// <summary><see cref="Area.NoHugePage"/> (not fork advice, but advice the restored area keeps, as Linux's
        /// <c>VM_NOHUGEPAGE</c> survives a fork).</summary>
        NoHugePage = 8,

        All = DontFork | WipeOnFork | Wiped | NoHugePage,
    }

    /// <summary>An area as stored: shared objects and private files by index (-1 for none).</summary>
    internal readonly record struct StoredArea(
        ulong Start, ulong End, MappingFlags Flags, MemoryAreaKind Kind, bool IsLazy, int SharedIndex, ulong SharedOffset,
        int FileIndex = -1, ulong FileOffset = 0, ForkBits Fork = ForkBits.None);

    /// <summary>A decoded table.</summary>
    internal sealed record Decoded(VirtAddrRange UserRange, ulong[] SharedSizes, FileRecord[] Files, StoredArea[] Areas, (ulong FirstPage, ulong PageCount)[] Runs);

    public static byte[] Encode(VirtAddrRange userRange, IReadOnlyList<ulong> sharedSizes, IReadOnlyList<FileRecord> files, IReadOnlyList<StoredArea> areas, IReadOnlyList<(ulong FirstPage, ulong PageCount)> runs)
    {
        byte[] table = new byte[HeaderSize + (sharedSizes.Count * 8) + (files.Count * FileRecordSize) + (areas.Count * AreaSize) + (runs.Count * RunSize)];
        Span<byte> w = table;
        BinaryPrimitives.WriteUInt32LittleEndian(w, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(w[4..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(w[8..], userRange.Start.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(w[16..], userRange.Size);
        BinaryPrimitives.WriteInt32LittleEndian(w[24..], sharedSizes.Count);
        BinaryPrimitives.WriteInt32LittleEndian(w[28..], files.Count);
        BinaryPrimitives.WriteInt32LittleEndian(w[32..], areas.Count);
        BinaryPrimitives.WriteInt32LittleEndian(w[36..], runs.Count);
        w = w[HeaderSize..];
        foreach (ulong size in sharedSizes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(w, size);
            w = w[8..];
        }

        foreach (FileRecord file in files)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(w, (uint)file);
            w = w[FileRecordSize..];
        }

        foreach (StoredArea a in areas)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(w, a.Start);
            BinaryPrimitives.WriteUInt64LittleEndian(w[8..], a.End);
            BinaryPrimitives.WriteInt32LittleEndian(w[16..], (int)a.Flags);
            w[20] = (byte)a.Kind;
            w[21] = a.IsLazy ? (byte)1 : (byte)0;
            w[22] = (byte)a.Fork;
            BinaryPrimitives.WriteInt32LittleEndian(w[24..], a.SharedIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(w[28..], a.SharedOffset);
            BinaryPrimitives.WriteInt32LittleEndian(w[36..], a.FileIndex);
            BinaryPrimitives.WriteUInt64LittleEndian(w[40..], a.FileOffset);
            w = w[AreaSize..];
        }

        foreach ((ulong firstPage, ulong pageCount) in runs)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(w, firstPage);
            BinaryPrimitives.WriteUInt64LittleEndian(w[8..], pageCount);
            w = w[RunSize..];
        }

        return table;
    }

    /// <summary>Decodes and checks the structure (areas sorted, aligned, non-overlapping, inside the user range;
    /// indexes valid); throws <see cref="ArgumentException"/> for a malformed table.</summary>
    public static Decoded Decode(ReadOnlySpan<byte> table)
    {
        if (table.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(table) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(table[4..]) != Version)
        {
            throw Malformed("bad header");
        }

        ulong userStart = BinaryPrimitives.ReadUInt64LittleEndian(table[8..]);
        ulong userSize = BinaryPrimitives.ReadUInt64LittleEndian(table[16..]);
        int sharedCount = BinaryPrimitives.ReadInt32LittleEndian(table[24..]);
        int fileCount = BinaryPrimitives.ReadInt32LittleEndian(table[28..]);
        int areaCount = BinaryPrimitives.ReadInt32LittleEndian(table[32..]);
        int runCount = BinaryPrimitives.ReadInt32LittleEndian(table[36..]);
        if (sharedCount < 0 || fileCount < 0 || fileCount > AddrSpace.MaxFileSources || areaCount < 0 || runCount < 0
            || (long)table.Length != HeaderSize + (8L * sharedCount) + ((long)FileRecordSize * fileCount) + ((long)AreaSize * areaCount) + ((long)RunSize * runCount)
            || !VirtAddrRange.TryFromStartSize(userStart, userSize, out VirtAddrRange userRange))
        {
            throw Malformed("bad counts");
        }

        ReadOnlySpan<byte> r = table[HeaderSize..];
        ulong[] sharedSizes = new ulong[sharedCount];
        for (int i = 0; i < sharedCount; i++, r = r[8..])
        {
            sharedSizes[i] = BinaryPrimitives.ReadUInt64LittleEndian(r);
        }

        FileRecord[] files = new FileRecord[fileCount];
        for (int i = 0; i < fileCount; i++, r = r[FileRecordSize..])
        {
            files[i] = (FileRecord)BinaryPrimitives.ReadUInt32LittleEndian(r);
            if ((files[i] & ~FileRecord.SeeksPrivately) != 0)
            {
                throw Malformed($"bad file {i}");
            }
        }

        StoredArea[] areas = new StoredArea[areaCount];
        ulong previousEnd = userRange.Start.Value;
        for (int i = 0; i < areaCount; i++, r = r[AreaSize..])
        {
            StoredArea a = new(
                BinaryPrimitives.ReadUInt64LittleEndian(r),
                BinaryPrimitives.ReadUInt64LittleEndian(r[8..]),
                (MappingFlags)BinaryPrimitives.ReadInt32LittleEndian(r[16..]),
                (MemoryAreaKind)r[20],
                r[21] != 0,
                BinaryPrimitives.ReadInt32LittleEndian(r[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(r[28..]),
                BinaryPrimitives.ReadInt32LittleEndian(r[36..]),
                BinaryPrimitives.ReadUInt64LittleEndian(r[40..]),
                (ForkBits)r[22]);
            bool shared = a.Kind == MemoryAreaKind.Shared;
            bool file = a.FileIndex != -1;
            if (a.Start < previousEnd || a.End <= a.Start || a.End > userRange.End.Value
                || !Pages.IsAligned4K(a.Start) || !Pages.IsAligned4K(a.End)
                || (a.Kind != MemoryAreaKind.Private && !shared)
                || (shared && ((uint)a.SharedIndex >= (uint)sharedCount || !Pages.IsAligned4K(a.SharedOffset)
                    || a.SharedOffset > sharedSizes[a.SharedIndex] || a.End - a.Start > sharedSizes[a.SharedIndex] - a.SharedOffset))
                || (file && (shared || !a.IsLazy || (uint)a.FileIndex >= (uint)fileCount || !Pages.IsAligned4K(a.FileOffset)
                    || a.FileOffset > long.MaxValue - (a.End - a.Start)))
                || !IsValidFork(a.Fork, shared || file))
            {
                throw Malformed($"bad area {i}");
            }

            areas[i] = a;
            previousEnd = a.End;
        }

        var runs = new (ulong FirstPage, ulong PageCount)[runCount];
        ulong pageLimit = userRange.End.Value >> Pages.Shift4K;
        for (int i = 0; i < runCount; i++, r = r[RunSize..])
        {
            ulong first = BinaryPrimitives.ReadUInt64LittleEndian(r);
            ulong count = BinaryPrimitives.ReadUInt64LittleEndian(r[8..]);
            if (first > pageLimit || count > pageLimit - first)
            {
                throw Malformed($"bad run {i}");
            }

            runs[i] = (first, count);
        }

        return new Decoded(userRange, sharedSizes, files, areas, runs);
    }

    /// <summary>Known bits only; wiping only with the advice, and only for a private anonymous area (Linux refuses the
    /// advice elsewhere).</summary>
    private static bool IsValidFork(ForkBits fork, bool backedByObject) =>
        (fork & ~ForkBits.All) == 0
        && ((fork & ForkBits.Wiped) == 0 || (fork & ForkBits.WipeOnFork) != 0)
        && (!backedByObject || (fork & ForkBits.WipeOnFork) == 0);

    private static ArgumentException Malformed(string what) => new($"Malformed address-space snapshot table: {what}.", "areaTable");
}
