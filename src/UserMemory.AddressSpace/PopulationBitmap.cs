using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace UserMemory.AddressSpace;

/// <summary>
/// One bit per page of the reservation: set when the page is populated (committed). Allocated in chunks on first use,
/// so a large, sparsely used space costs little. Setting bits is lock-free (several threads may populate at once);
/// clearing happens only under the address space's exclusive lock.
/// </summary>
internal sealed class PopulationBitmap
{
    private const int ChunkShift = 15;                        // pages per chunk: 32 768 (128 MiB of address space)
    private const ulong ChunkPages = 1UL << ChunkShift;
    private const int WordsPerChunk = (int)(ChunkPages / 64); // 512 words = 4 KiB per chunk

    private readonly ulong[]?[] _chunks;
    private long _setCount;

    /// <summary>Creates an empty bitmap for <paramref name="pageCount"/> pages.</summary>
    public PopulationBitmap(ulong pageCount)
    {
        PageCount = pageCount;
        _chunks = new ulong[]?[(pageCount + ChunkPages - 1) >> ChunkShift];
    }

    /// <summary>The number of pages covered.</summary>
    public ulong PageCount { get; }

    /// <summary>The number of set bits.</summary>
    public long SetCount => Volatile.Read(ref _setCount);

    /// <summary>True when the bit of <paramref name="page"/> is set (false past the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsSet(ulong page)
    {
        if (page >= PageCount)
        {
            return false;
        }

        ulong[]? chunk = Volatile.Read(ref _chunks[page >> ChunkShift]);
        return chunk is not null && (Volatile.Read(ref chunk[(int)((page & (ChunkPages - 1)) >> 6)]) & (1UL << (int)(page & 63))) != 0;
    }

    /// <summary>True when every bit of <c>[first, last]</c> (inclusive) is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool AllSet(ulong first, ulong last) => first == last ? IsSet(first) : CountClear(first, last + 1) == 0;

    /// <summary>The number of clear bits in <c>[first, end)</c>.</summary>
    public ulong CountClear(ulong first, ulong end)
    {
        ulong clear = 0;
        ulong page = first;
        while (page < end)
        {
            ulong[]? chunk = Volatile.Read(ref _chunks[page >> ChunkShift]);
            ulong chunkEnd = Math.Min(end, ((page >> ChunkShift) + 1) << ChunkShift);
            if (chunk is null)
            {
                clear += chunkEnd - page;
                page = chunkEnd;
                continue;
            }

            while (page < chunkEnd)
            {
                int bit = (int)(page & 63);
                int n = (int)Math.Min(64UL - (ulong)bit, chunkEnd - page);
                ulong mask = Mask(bit, n);
                ulong word = Volatile.Read(ref chunk[(int)((page & (ChunkPages - 1)) >> 6)]);
                clear += (ulong)BitOperations.PopCount(~word & mask);
                page += (ulong)n;
            }
        }

        return clear;
    }

    /// <summary>Sets the bits of <c>[first, end)</c>; returns how many were clear before (this thread's share when
    /// threads race on the same pages).</summary>
    public ulong SetRange(ulong first, ulong end)
    {
        ulong newlySet = 0;
        ulong page = first;
        while (page < end)
        {
            ulong[] chunk = GetOrCreateChunk(page >> ChunkShift);
            ulong chunkEnd = Math.Min(end, ((page >> ChunkShift) + 1) << ChunkShift);
            while (page < chunkEnd)
            {
                int bit = (int)(page & 63);
                int n = (int)Math.Min(64UL - (ulong)bit, chunkEnd - page);
                ulong mask = Mask(bit, n);
                ref ulong word = ref chunk[(int)((page & (ChunkPages - 1)) >> 6)];
                if ((Volatile.Read(ref word) & mask) != mask)
                {
                    ulong before = Interlocked.Or(ref word, mask);
                    newlySet += (ulong)BitOperations.PopCount(~before & mask);
                }

                page += (ulong)n;
            }
        }

        Interlocked.Add(ref _setCount, (long)newlySet);
        return newlySet;
    }

    /// <summary>Clears the bits of <c>[first, end)</c>; returns how many were set.</summary>
    public ulong ClearRange(ulong first, ulong end)
    {
        ulong cleared = 0;
        ulong page = first;
        while (page < end)
        {
            ulong[]? chunk = Volatile.Read(ref _chunks[page >> ChunkShift]);
            ulong chunkEnd = Math.Min(end, ((page >> ChunkShift) + 1) << ChunkShift);
            if (chunk is null)
            {
                page = chunkEnd;
                continue;
            }

            while (page < chunkEnd)
            {
                int bit = (int)(page & 63);
                int n = (int)Math.Min(64UL - (ulong)bit, chunkEnd - page);
                ulong mask = Mask(bit, n);
                ulong before = Interlocked.And(ref chunk[(int)((page & (ChunkPages - 1)) >> 6)], ~mask);
                cleared += (ulong)BitOperations.PopCount(before & mask);
                page += (ulong)n;
            }
        }

        Interlocked.Add(ref _setCount, -(long)cleared);
        return cleared;
    }

    /// <summary>Clears every bit and frees the chunks.</summary>
    public void Reset()
    {
        Array.Clear(_chunks);
        Volatile.Write(ref _setCount, 0);
    }

    /// <summary>The next run of set pages at or after <paramref name="page"/> and below <paramref name="end"/>; moves
    /// <paramref name="page"/> past it.</summary>
    /// <returns>False when no page of <c>[page, end)</c> is set.</returns>
    public bool TryFindRun(ref ulong page, ulong end, out ulong runStart, out ulong runEnd)
    {
        runStart = Find(page, end, value: true);
        runEnd = runStart < end ? Find(runStart, end, value: false) : end;
        page = runEnd;
        return runStart < end;
    }

    /// <summary>The first page in <c>[from, end)</c> whose bit equals <paramref name="value"/>, or <paramref name="end"/>.</summary>
    public ulong Find(ulong from, ulong end, bool value)
    {
        ulong page = from;
        while (page < end)
        {
            ulong[]? chunk = Volatile.Read(ref _chunks[page >> ChunkShift]);
            ulong chunkEnd = Math.Min(end, ((page >> ChunkShift) + 1) << ChunkShift);
            if (chunk is null)
            {
                if (!value)
                {
                    return page;
                }

                page = chunkEnd;
                continue;
            }

            while (page < chunkEnd)
            {
                int bit = (int)(page & 63);
                int n = (int)Math.Min(64UL - (ulong)bit, chunkEnd - page);
                ulong word = Volatile.Read(ref chunk[(int)((page & (ChunkPages - 1)) >> 6)]);
                ulong hits = (value ? word : ~word) & Mask(bit, n);
                if (hits != 0)
                {
                    return (page & ~63UL) + (ulong)BitOperations.TrailingZeroCount(hits);
                }

                page += (ulong)n;
            }
        }

        return end;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(int bit, int count) => (count == 64 ? ulong.MaxValue : ((1UL << count) - 1)) << bit;

    private ulong[] GetOrCreateChunk(ulong index)
    {
        ref ulong[]? slot = ref _chunks[index];
        ulong[]? chunk = Volatile.Read(ref slot);
        if (chunk is null)
        {
            chunk = new ulong[WordsPerChunk];
            chunk = Interlocked.CompareExchange(ref slot, chunk, null) ?? chunk;
        }

        return chunk;
    }
}
