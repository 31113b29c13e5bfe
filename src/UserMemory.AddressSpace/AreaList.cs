using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace UserMemory.AddressSpace;

/// <summary>
/// The areas of a space, sorted by start and never overlapping, in one array: lookups are a binary search, and a
/// few shared hints (the last hits) make repeated lookups in the same area O(1). Mutated in place, only under the
/// address space's exclusive lock; read only under its shared lock (so readers never see a mutation in progress).
/// </summary>
/// <remarks>The search runs over <c>_ends</c>, a compact copy of every area's end (8 bytes per area instead of the
/// whole <see cref="Area"/>), through a three-level static B-tree: <c>_top</c> holds the last end of every block of
/// <see cref="BlockSize"/> ends (12.5 KB for 100 000 areas, so it stays in the first-level cache) and a branch-free
/// binary search there picks the block; <c>_lines</c> holds, per block, the last end of each of its eight cache lines
/// (one cache line per block), and one vector compare there picks the line; one vector compare of that line's eight
/// ends picks the area. A lookup that misses the hints so touches two cache lines outside the top level, and their
/// loads do not depend on a chain of comparisons. <c>_ends</c> is padded with <see cref="ulong.MaxValue"/> to a
/// whole number of blocks, so every compare reads whole lines. All three arrays are rebuilt under the exclusive lock,
/// like the areas themselves.
/// <para>In front of the B-tree sits an <see cref="AreaSlotIndex"/> (a hash of the 2 MiB slots in which areas start or
/// end, with a page-granular leaf for crowded slots): a lookup missing the hints usually ends with one hash probe and
/// one leaf or line read instead of the three-level search. It is a snapshot, dropped by every mutation and rebuilt
/// lazily after a few lookups have missed it; slots it does not index (gaps, the inside of large areas) and a dropped
/// snapshot fall through to the B-tree, so every answer stays exact.</para></remarks>
internal sealed class AreaList
{
    // The indexes of the last few areas lookups found, shared by all threads as hints rather than kept per thread:
    // reading plain fields is cheaper than thread-static accesses (which a profile showed as __tls_get_addr calls).
    // Several entries, so that threads working in different areas each keep a hit instead of overwriting one shared
    // hint (and its cache line) on every lookup; an entry is only written on a miss. A stale hint is harmless: every
    // hit is re-validated against the area it names.
    private const int HintCount = 4;
    private readonly int[] _hints = new int[HintCount];
    private int _nextHint;

    /// <summary>Ends per block of the index's lower level (64 × 8 bytes: eight cache lines).</summary>
    private const int BlockShift = 6;
    private const int BlockSize = 1 << BlockShift;

    /// <summary>Ends per cache line (8 × 8 bytes), and cache lines per block.</summary>
    private const int LineShift = 3;

    /// <summary>Ends per cache line (8 × 8 bytes).</summary>
    internal const int LineSize = 1 << LineShift;

    /// <summary>Hint misses that a stale (dropped) <see cref="AreaSlotIndex"/> waits for before it is rebuilt, plus one
    /// per <see cref="RebuildMissesPerAreaShift"/>-th power of two of areas: the rebuild is linear in the areas, so it
    /// is paid back over at least this many lookups, and a burst of mappings does not rebuild it once per mapping.</summary>
    private const int RebuildMisses = 8;
    private const int RebuildMissesPerAreaShift = 5;

    /// <summary>The padding of <c>_ends</c> past the last area: above every address, so it is never counted.</summary>
    private const ulong Padding = ulong.MaxValue;

    private Area[] _items = new Area[16];
    private ulong[] _ends = NewEnds(BlockSize);
    private ulong[] _lines = NewEnds(LineSize);
    private ulong[] _top = new ulong[1];
    private int _count;

    // The slot index for lookups that miss the hints (see AreaSlotIndex): null after every mutation, rebuilt inside a
    // lookup once RebuildAfter misses have gone to the B-tree. Lookups run under the space's lock (shared or exclusive)
    // and mutations under its exclusive side, so no lookup overlaps a mutation: an index read here always describes
    // the current areas. Two lookups may rebuild it at once; both build the same snapshot, and either may stay.
    private AreaSlotIndex? _slotIndex;
    private int _staleMisses;

    /// <summary>The number of areas.</summary>
    public int Count => _count;

    /// <summary>The current slot index, or null while it is stale (dropped by a mutation and not yet rebuilt). Read it
    /// under the space's lock, like the areas: it describes them until the next mutation.</summary>
    public AreaSlotIndex? SlotIndex => _slotIndex;

    /// <summary>The area at <paramref name="index"/>. Never change its <see cref="Area.Start"/>, <see cref="Area.End"/> or
    /// <see cref="Area.Flags"/> through this reference: the slot index caches them (a leaf entry carries the area's
    /// flags for the lean lookup), so every such change goes through <see cref="Replace"/>, which drops it.</summary>
    public ref Area this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return ref _items[index];
        }
    }

    /// <summary>The index of the area containing <paramref name="address"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FindContaining(ulong address)
    {
        Area[] items = _items;
        int count = Math.Min(_count, items.Length);
        int[] hints = _hints;
        for (int h = 0; h < HintCount; h++)
        {
            int cached = hints[h];
            if ((uint)cached < (uint)count)
            {
                // One unsigned compare (start <= address < end), so that a lookup missing every hint takes one
                // predictable branch per hint instead of a data-dependent one on each bound.
                ref Area a = ref items[cached];
                if (address - a.Start < a.End - a.Start)
                {
                    return cached;
                }
            }
        }

        return FindContainingSearch(items, count, address);
    }

    /// <summary>The index of the first area whose end lies above <paramref name="address"/> (the area containing it,
    /// or the next one), or <see cref="Count"/>.</summary>
    public int FirstEndingAfter(ulong address)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_ends[mid] > address)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Replaces <paramref name="removeCount"/> areas at <paramref name="index"/> by <paramref name="inserts"/>.</summary>
    public void Replace(int index, int removeCount, ReadOnlySpan<Area> inserts)
    {
        DropSlotIndex();
        int newCount = _count - removeCount + inserts.Length;
        if (newCount > _items.Length)
        {
            Area[] grown = new Area[Math.Max(newCount, _items.Length * 2)];
            Array.Copy(_items, grown, index);
            Array.Copy(_items, index + removeCount, grown, index + inserts.Length, _count - index - removeCount);
            _items = grown;
        }
        else if (inserts.Length != removeCount)
        {
            Array.Copy(_items, index + removeCount, _items, index + inserts.Length, _count - index - removeCount);
        }

        inserts.CopyTo(_items.AsSpan(index));
        if (newCount < _count)
        {
            Array.Clear(_items, newCount, _count - newCount); // drop references to shared objects
        }

        int oldCount = _count;
        _count = newCount;
        int endsLength = RoundUpToBlock(_items.Length);
        if (_ends.Length != endsLength)
        {
            ulong[] ends = NewEnds(endsLength);
            Array.Copy(_ends, ends, Math.Min(index, Math.Min(_ends.Length, ends.Length)));
            _ends = ends;
            _lines = NewEnds(endsLength >> LineShift);
            index = 0; // rebuild the upper levels from the start
        }

        for (int i = index; i < newCount; i++)
        {
            _ends[i] = _items[i].End;
        }

        if (newCount < oldCount)
        {
            Array.Fill(_ends, Padding, newCount, Math.Min(oldCount, _ends.Length) - newCount);
        }

        RebuildUpperLevels(index, Math.Max(oldCount, newCount));
    }

    /// <summary>Removes every area.</summary>
    public void Clear()
    {
        DropSlotIndex();
        int oldCount = _count;
        Array.Clear(_items, 0, _count);
        Array.Fill(_ends, Padding, 0, Math.Min(oldCount, _ends.Length));
        _count = 0;
        RebuildUpperLevels(0, oldCount);
    }

    /// <summary>The areas as a span (valid until the next mutation).</summary>
    public ReadOnlySpan<Area> AsSpan() => _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FindContainingSearch(Area[] items, int count, ulong address)
    {
        ulong[] ends = _ends;
        AreaSlotIndex? slotIndex = _slotIndex ?? SlotIndexAfterMiss(count);
        if (slotIndex is not null)
        {
            int found = slotIndex.Find(address, items, count, ends);
            if (found != AreaSlotIndex.NotIndexed)
            {
                return found < 0 ? -1 : Remember(found);
            }
        }

        ulong[] lines = _lines;
        ulong[] top = _top;
        count = Math.Min(count, ends.Length);
        int blocks = Math.Min((count + BlockSize - 1) >> BlockShift, top.Length);
        if (blocks == 0)
        {
            return -1;
        }

        // Upper level: the first block whose last end lies above the address. Branch-free: the trip count depends only
        // on the block count, and each step is a conditional move.
        int block = UpperBound(top, 0, blocks, address);
        if (block >= blocks || ((block + 1) << BlockShift) > ends.Length || ((block + 1) << LineShift) > lines.Length)
        {
            return -1;
        }

        // Middle level: the first line of the block whose last end lies above the address (there is one: the block's
        // last end does; the clamp keeps the next read inside the block even if that were ever false). Lower level: the
        // first end of that line above the address.
        int line = (block << LineShift) + Math.Min(CountAtOrBelow(lines, block << LineShift, address), LineSize - 1);
        int lo = (line << LineShift) + CountAtOrBelow(ends, line << LineShift, address);
        return lo < count && items[lo].Start <= address ? Remember(lo) : -1;
    }

    /// <summary>Makes <paramref name="found"/> one of the hints (replacing the oldest) and returns it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Remember(int found)
    {
        int slot = _nextHint;
        _hints[slot & (HintCount - 1)] = found;
        _nextHint = slot + 1;
        return found;
    }

    /// <summary>Counts a lookup that found no slot index; rebuilds it after enough of them.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AreaSlotIndex? SlotIndexAfterMiss(int count)
    {
        int misses = _staleMisses + 1;
        _staleMisses = misses; // racy between readers: it only delays or hastens a rebuild
        if (count == 0 || misses < RebuildMisses + (count >> RebuildMissesPerAreaShift))
        {
            return null;
        }

        AreaSlotIndex built = AreaSlotIndex.Build(AsSpan());
        _slotIndex = built;
        return built;
    }

    private void DropSlotIndex()
    {
        _slotIndex = null;
        _staleMisses = 0;
    }

    /// <summary>The index of the first of <paramref name="length"/> sorted values from <paramref name="start"/> that
    /// lies above <paramref name="address"/>, or <c>start + length</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UpperBound(ulong[] values, int start, int length, ulong address)
    {
        int lo = start;
        int n = length;
        while (n > 1)
        {
            int half = n >> 1;
            lo = values[lo + half - 1] <= address ? lo + half : lo;
            n -= half;
        }

        return lo + (values[lo] <= address ? 1 : 0);
    }

    /// <summary>How many of the <see cref="LineSize"/> values from <paramref name="start"/> (one cache line) lie at or
    /// below <paramref name="address"/>; the caller guarantees <c>start + LineSize &lt;= values.Length</c>. The values
    /// are sorted, so this is the index of the first one above it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int CountAtOrBelow(ulong[] values, int start, ulong address)
    {
        ref ulong first = ref values[start];
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<ulong> v = Vector512.LoadUnsafe(ref first);
            return BitOperations.PopCount(Vector512.LessThanOrEqual(v, Vector512.Create(address)).ExtractMostSignificantBits());
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<ulong> a = Vector256.Create(address);
            ulong low = Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref first), a).ExtractMostSignificantBits();
            ulong high = Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref first, (nuint)Vector256<ulong>.Count), a).ExtractMostSignificantBits();
            return BitOperations.PopCount(low | (high << Vector256<ulong>.Count));
        }

        int n = 0;
        for (int i = 0; i < LineSize; i++)
        {
            n += values[start + i] <= address ? 1 : 0;
        }

        return n;
    }

    private static int RoundUpToBlock(int length) => Math.Max(BlockSize, (length + BlockSize - 1) & ~(BlockSize - 1));

    private static ulong[] NewEnds(int length)
    {
        ulong[] values = new ulong[length];
        Array.Fill(values, Padding);
        return values;
    }

    /// <summary>Recomputes the top and middle levels for the blocks from the one containing <paramref name="changedFrom"/>
    /// up to the one containing index <paramref name="changedEnd"/> - 1 (the old or new count, whichever is larger).</summary>
    private void RebuildUpperLevels(int changedFrom, int changedEnd)
    {
        int blocks = (_count + BlockSize - 1) >> BlockShift;
        if (_top.Length < Math.Max(blocks, 1))
        {
            ulong[] grown = new ulong[Math.Max(blocks, _top.Length * 2)];
            Array.Copy(_top, grown, _top.Length);
            _top = grown;
            changedFrom = 0;
        }

        for (int b = Math.Max(0, changedFrom) >> BlockShift; b < blocks; b++)
        {
            _top[b] = _ends[Math.Min(((b + 1) << BlockShift) - 1, _count - 1)];
        }

        int lineBlocks = Math.Min((Math.Max(changedEnd, _count) + BlockSize - 1) >> BlockShift, _ends.Length >> BlockShift);
        for (int l = (Math.Max(0, changedFrom) >> BlockShift) << LineShift; l < lineBlocks << LineShift; l++)
        {
            _lines[l] = _ends[(l << LineShift) + LineSize - 1];
        }
    }
}
