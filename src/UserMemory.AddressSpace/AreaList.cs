using System;
using System.Runtime.CompilerServices;

namespace UserMemory.AddressSpace;

/// <summary>
/// The areas of a space, sorted by start and never overlapping, in one array: lookups are a binary search, and a
/// few shared hints (the last hits) make repeated lookups in the same area O(1). Mutated in place, only under the
/// address space's exclusive lock; read only under its shared lock (so readers never see a mutation in progress).
/// </summary>
/// <remarks>The binary search runs over <c>_ends</c>, a compact copy of every area's end (8 bytes per area instead of
/// the whole <see cref="Area"/>), so a lookup that misses the last-area hints touches fewer cache lines: with
/// 100 000 areas the search array is 800 KB instead of several MB.</remarks>
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

    private Area[] _items = new Area[16];
    private ulong[] _ends = new ulong[16];
    private int _count;

    /// <summary>The number of areas.</summary>
    public int Count => _count;

    /// <summary>The area at <paramref name="index"/>.</summary>
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
                ref Area a = ref items[cached];
                if (address >= a.Start && address < a.End)
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

        _count = newCount;
        if (_ends.Length != _items.Length)
        {
            ulong[] ends = new ulong[_items.Length];
            Array.Copy(_ends, ends, Math.Min(index, Math.Min(_ends.Length, ends.Length)));
            _ends = ends;
        }

        for (int i = index; i < newCount; i++)
        {
            _ends[i] = _items[i].End;
        }
    }

    /// <summary>Removes every area.</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    /// <summary>The areas as a span (valid until the next mutation).</summary>
    public ReadOnlySpan<Area> AsSpan() => _items.AsSpan(0, _count);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FindContainingSearch(Area[] items, int count, ulong address)
    {
        ulong[] ends = _ends;
        count = Math.Min(count, ends.Length);
        if (count == 0)
        {
            return -1;
        }

        // Branch-free upper bound (first end above the address): the loop's trip count depends only on count, and
        // the step is a conditional move, so random lookups do not pay a mispredicted branch per level.
        int lo = 0;
        int n = count;
        while (n > 1)
        {
            int half = n >> 1;
            lo = ends[lo + half - 1] <= address ? lo + half : lo;
            n -= half;
        }

        lo += ends[lo] <= address ? 1 : 0;
        if (lo < count && items[lo].Start <= address)
        {
            int slot = _nextHint;
            _hints[slot & (HintCount - 1)] = lo;
            _nextHint = slot + 1;
            return lo;
        }

        return -1;
    }
}
