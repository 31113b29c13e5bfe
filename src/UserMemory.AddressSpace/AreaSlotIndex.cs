using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace UserMemory.AddressSpace;

/// <summary>
/// A snapshot of the areas, keyed by 2 MiB slot of address space, that answers "which area holds this address" with
/// a hash probe and one table read instead of a search: the fast path of <see cref="AreaList"/> for lookups that miss
/// its hints (random access over many areas).
/// </summary>
/// <remarks>
/// <para><b>What it holds.</b> One entry per <i>boundary slot</i>: a 2 MiB-aligned slot in which some area starts or
/// ends. The entry names every area that intersects the slot, as the first one's index and their number (they are
/// consecutive in the sorted list). With at most <see cref="DirectLimit"/> of them, a lookup compares the address with
/// their ends (one vector compare of one line of <see cref="AreaList"/>'s ends); with more, the entry owns a
/// <i>leaf</i> of one 16-bit number per page of the slot (the area's position among the slot's areas plus one, 0 for
/// a gap, with the area's flags in the top bits), so that the page number alone gives the area, and
/// <see cref="LeafFlags"/> can answer a request inside one area of the slot without reading the area at all.</para>
/// <para><b>What it does not hold.</b> A slot without an entry is either a gap or lies wholly inside one area (which
/// then starts and ends in other slots): the lookup answers "not indexed" and <see cref="AreaList"/> searches its
/// B-tree, which is exact for every address. So the index can never answer wrongly for lack of an entry; an answer it
/// does give is exact, because an entry lists all the areas that intersect its slot.</para>
/// <para><b>Size.</b> Each area has two boundaries, so there are at most twice as many entries as areas and every area
/// is listed in at most two entries; a leaf (1 KiB) exists only for a slot with more than <see cref="DirectLimit"/>
/// areas, so leaves cost at most 1 KiB per <see cref="DirectLimit"/> + 1 areas. The hash table is kept at most half
/// full.</para>
/// <para><b>Lifetime.</b> Immutable once built. <see cref="AreaList"/> drops it on every mutation (under the address
/// space's exclusive lock) and builds a new one lazily, inside a lookup (under the shared or exclusive lock), so a
/// snapshot never outlives the area list it was built from.</para>
/// </remarks>
internal sealed class AreaSlotIndex
{
    /// <summary>log2 of the slot size: 2 MiB, the size a leaf of 512 pages covers.</summary>
    public const int SlotShift = 21;

    /// <summary>The most areas in one slot answered by comparing their ends (one cache line of ends) instead of a leaf.</summary>
    public const int DirectLimit = 8;

    /// <summary>What <see cref="Find"/> answers when the address's slot has no entry: search elsewhere.</summary>
    public const int NotIndexed = -2;

    /// <summary>Bits of a leaf entry that hold the area's position in its slot plus one (at most 512 areas per slot).</summary>
    private const int PositionBits = 10;
    private const int PositionMask = (1 << PositionBits) - 1;

    /// <summary>The flags a leaf entry can carry above the position: every defined <see cref="MappingFlags"/> bit.</summary>
    private const int LeafFlagsMask = (1 << (16 - PositionBits)) - 1;

    private const int PageShift = Pages.Shift4K;
    private const int PagesPerSlot = 1 << (SlotShift - PageShift);
    private const ulong PageInSlotMask = PagesPerSlot - 1;

    /// <summary>Fibonacci hashing: the slot number times 2^64 / φ, top bits taken.</summary>
    private const ulong HashMultiplier = 0x9E37_79B9_7F4A_7C15;

    private const int MinCapacity = 16;

    /// <summary>Slot number + 1 per hash bucket; 0 marks an empty bucket.</summary>
    private readonly ulong[] _keys;

    /// <summary>The index of the first area intersecting the bucket's slot.</summary>
    private readonly int[] _first;

    /// <summary>Per bucket: the start of its leaf in <see cref="_leaves"/> (0 or above), or minus the number of areas
    /// intersecting the slot (at most <see cref="DirectLimit"/>).</summary>
    private readonly int[] _leafOrCount;

    /// <summary>The leaves, <see cref="PagesPerSlot"/> entries each: per page, the area's position in its slot plus one
    /// (low <see cref="PositionBits"/> bits) and the area's flags (the bits above; see <see cref="LeafFlags"/>), or 0
    /// for a gap.</summary>
    private readonly ushort[] _leaves;

    private readonly int _hashShift;
    private readonly int _mask;

    private AreaSlotIndex(int capacity, int leafCount)
    {
        _keys = new ulong[capacity];
        _first = new int[capacity];
        _leafOrCount = new int[capacity];
        _leaves = leafCount == 0 ? [] : new ushort[leafCount * PagesPerSlot];
        _mask = capacity - 1;
        _hashShift = 64 - BitOperations.Log2((uint)capacity);
    }

    /// <summary>Builds the index of <paramref name="areas"/> (sorted by start, not overlapping, page-granular).</summary>
    /// <param name="areas">The areas.</param>
    /// <returns>The index.</returns>
    public static AreaSlotIndex Build(ReadOnlySpan<Area> areas)
    {
        // The boundary slots in increasing order: area i starts in slot Start >> SlotShift and ends in slot
        // (End - 1) >> SlotShift, and both grow with i.
        var slots = new List<ulong>(areas.Length + 1);
        foreach (ref readonly Area area in areas)
        {
            AddSlot(slots, area.Start >> SlotShift);
            AddSlot(slots, (area.End - 1) >> SlotShift);
        }

        // The areas of each boundary slot: the first whose end lies above the slot's start, and those after it that
        // start below the slot's end. Every area is counted in at most its two boundary slots (any other slot it meets,
        // it covers whole, and no other area meets that slot), so this pass is linear.
        var firsts = new int[slots.Count];
        var counts = new int[slots.Count];
        int leafCount = 0;
        int p = 0;
        for (int s = 0; s < slots.Count; s++)
        {
            ulong slotStart = slots[s] << SlotShift;
            ulong slotEnd = slotStart + (1UL << SlotShift);
            while (p < areas.Length && areas[p].End <= slotStart)
            {
                p++;
            }

            int q = p;
            while (q < areas.Length && areas[q].Start < slotEnd)
            {
                q++;
            }

            firsts[s] = p;
            counts[s] = q - p;
            if (q - p > DirectLimit)
            {
                leafCount++;
            }
        }

        int capacity = MinCapacity;
        while (capacity < slots.Count * 2)
        {
            capacity <<= 1;
        }

        var index = new AreaSlotIndex(capacity, leafCount);
        int nextLeaf = 0;
        for (int s = 0; s < slots.Count; s++)
        {
            int bucket = index.Bucket(slots[s]);
            while (index._keys[bucket] != 0)
            {
                bucket = (bucket + 1) & index._mask;
            }

            index._keys[bucket] = slots[s] + 1;
            index._first[bucket] = firsts[s];
            if (counts[s] <= DirectLimit)
            {
                index._leafOrCount[bucket] = -counts[s];
                continue;
            }

            int leaf = nextLeaf;
            nextLeaf += PagesPerSlot;
            index._leafOrCount[bucket] = leaf;
            ulong slotStart = slots[s] << SlotShift;
            ulong slotEnd = slotStart + (1UL << SlotShift);
            for (int i = 0; i < counts[s]; i++)
            {
                ref readonly Area area = ref areas[firsts[s] + i];
                int from = (int)((Math.Max(area.Start, slotStart) - slotStart) >> PageShift);
                int to = (int)((Math.Min(area.End, slotEnd) - slotStart) >> PageShift);
                // At most 512 areas per slot, so i + 1 fits the position bits.
                index._leaves.AsSpan(leaf + from, to - from).Fill((ushort)((i + 1) | (LeafEntryFlags(area.Flags) << PositionBits)));
            }
        }

        return index;
    }

    /// <summary>The index of the area holding <paramref name="address"/>, -1 when no area does, or
    /// <see cref="NotIndexed"/> when this index cannot tell (search the B-tree).</summary>
    /// <param name="address">The address.</param>
    /// <param name="areas">The areas the index was built from.</param>
    /// <param name="count">The number of areas.</param>
    /// <param name="ends">The areas' ends, padded with <see cref="ulong.MaxValue"/>.</param>
    /// <returns>The area index, -1, or <see cref="NotIndexed"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong address, Area[] areas, int count, ulong[] ends)
    {
        int bucket = FindBucket(address >> SlotShift);
        if (bucket < 0)
        {
            return NotIndexed;
        }

        int first = _first[bucket];
        int leafOrCount = _leafOrCount[bucket];
        if (leafOrCount >= 0)
        {
            int position = _leaves[leafOrCount + (int)((address >> PageShift) & PageInSlotMask)] & PositionMask;
            int found = first + position - 1;
            return position == 0 || (uint)found >= (uint)count ? -1 : found;
        }

        int offset = first + AreaList.LineSize <= ends.Length
            ? AreaList.CountAtOrBelow(ends, first, address)
            : CountAtOrBelowNearEnd(ends, first, -leafOrCount, address);
        int candidate = first + offset;
        return offset < -leafOrCount && (uint)candidate < (uint)count && (uint)candidate < (uint)areas.Length
            && areas[candidate].Start <= address ? candidate : -1;
    }

    /// <summary>
    /// The lean lookup for a request <c>[first, last]</c> in a crowded slot (one with a leaf): the flags of the one area
    /// holding both ends, read from the leaf alone (no area record), or <see cref="MappingFlags.None"/> when this index
    /// cannot answer that way: the ends lie in different slots or different areas, a gap, a slot without a leaf, or an
    /// area whose flags a leaf cannot carry. Areas are contiguous runs of pages, so two ends in the same area mean every
    /// page between them lies in it too.
    /// </summary>
    /// <param name="first">The first address of the request.</param>
    /// <param name="last">The last address of the request (inclusive, not below <paramref name="first"/>).</param>
    /// <returns>The area's flags, or None.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MappingFlags LeafFlags(ulong first, ulong last)
    {
        ulong slot = first >> SlotShift;
        int bucket = FindBucket(slot);
        if (bucket < 0)
        {
            return MappingFlags.None;
        }

        int leaf = _leafOrCount[bucket];
        if (leaf < 0 || (last >> SlotShift) != slot)
        {
            return MappingFlags.None;
        }

        ushort[] leaves = _leaves;
        int entry = leaves[leaf + (int)((first >> PageShift) & PageInSlotMask)];
        int lastEntry = leaves[leaf + (int)((last >> PageShift) & PageInSlotMask)];
        return entry == lastEntry ? (MappingFlags)(entry >> PositionBits) : MappingFlags.None; // a gap's entry is 0
    }

    /// <summary>The flags a leaf entry records for an area with <paramref name="flags"/>: all of them when they fit the
    /// entry's flag bits, else none (then <see cref="LeafFlags"/> answers None for it and the caller takes the full path).</summary>
    private static int LeafEntryFlags(MappingFlags flags) => ((int)flags & ~LeafFlagsMask) == 0 ? (int)flags : 0;

    /// <summary>The scalar form of <see cref="AreaList.CountAtOrBelow"/> for the last few ends, where a whole line would
    /// read past the array: how many of the <paramref name="length"/> ends from <paramref name="start"/> lie at or below
    /// <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountAtOrBelowNearEnd(ulong[] ends, int start, int length, ulong address)
    {
        int n = 0;
        while (n < length && start + n < ends.Length && ends[start + n] <= address)
        {
            n++;
        }

        return n;
    }

    private static void AddSlot(List<ulong> slots, ulong slot)
    {
        if (slots.Count == 0 || slots[^1] != slot)
        {
            slots.Add(slot);
        }
    }

    /// <summary>The bucket holding <paramref name="slot"/>'s entry (open addressing, linear probing), or -1 when the
    /// slot has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindBucket(ulong slot)
    {
        ulong key = slot + 1;
        ulong[] keys = _keys;
        int bucket = Bucket(slot);
        while (true)
        {
            ulong k = keys[bucket];
            if (k == key)
            {
                return bucket;
            }

            if (k == 0)
            {
                return -1;
            }

            bucket = (bucket + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bucket(ulong slot) => (int)((slot * HashMultiplier) >> _hashShift) & _mask;
}
