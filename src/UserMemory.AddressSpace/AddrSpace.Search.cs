using System;
using System.Collections.Generic;

namespace UserMemory.AddressSpace;

/// <summary>Queries over the areas: free-range search and the area listing.</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// Finds a free range of <paramref name="size"/> bytes for <c>mmap</c> without <c>MAP_FIXED</c>: the first gap at or
    /// above <paramref name="hint"/> that fits, then, wrapping around, the first from <paramref name="limit"/>'s
    /// start. Every candidate, including one between two areas, must lie entirely inside <paramref name="limit"/> and
    /// <see cref="UserRange"/>.
    /// </summary>
    /// <param name="hint">Where to start looking (rounded up to <paramref name="alignment"/>).</param>
    /// <param name="size">Bytes needed; zero finds nothing.</param>
    /// <param name="limit">The range the result must lie in.</param>
    /// <param name="alignment">Alignment of the result: a power of two; values below 4 KiB (including 0) mean 4 KiB.</param>
    /// <param name="start">The start found, else null.</param>
    /// <returns>Whether a range was found.</returns>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public bool TryFindFreeArea(VirtAddr hint, ulong size, VirtAddrRange limit, ulong alignment, out VirtAddr start)
    {
        start = VirtAddr.Null;
        if (alignment < Pages.Size4K)
        {
            alignment = Pages.Size4K;
        }

        if (!Pages.IsPowerOfTwo(alignment))
        {
            throw new ArgumentException("The alignment must be a power of two.", nameof(alignment));
        }

        VirtAddrRange bounds = limit.Intersect(UserRange);
        if (size == 0 || bounds.IsEmpty || size > bounds.Size)
        {
            return false;
        }

        _lock.EnterRead();
        try
        {
            ulong from = Math.Max(hint.Value, bounds.Start.Value);
            if (TryFindFrom(from, size, bounds, alignment, out ulong found)
                || (from > bounds.Start.Value && TryFindFrom(bounds.Start.Value, size, bounds, alignment, out found)))
            {
                start = new VirtAddr(found);
                return true;
            }

            return false;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <summary>A snapshot of the areas, sorted by address.</summary>
    /// <returns>One entry per area.</returns>
    public IReadOnlyList<MemoryAreaInfo> GetAreas()
    {
        _lock.EnterRead();
        try
        {
            ReadOnlySpan<Area> areas = _areas.AsSpan();
            MemoryAreaInfo[] result = new MemoryAreaInfo[areas.Length];
            for (int i = 0; i < areas.Length; i++)
            {
                result[i] = areas[i].ToInfo();
            }

            return result;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <summary>The area that contains <paramref name="address"/>, when one does.</summary>
    /// <param name="address">Any guest address.</param>
    /// <param name="area">The area's description (its shared object, for <see cref="MemoryAreaKind.Shared"/>, stays
    /// alive only as long as some area maps it: a caller that needs it past a concurrent unmap holds a
    /// <see cref="UserMemory.UserAccess"/> scope meanwhile).</param>
    /// <returns>Whether an area contains the address.</returns>
    public bool TryGetArea(VirtAddr address, out MemoryAreaInfo area)
    {
        _lock.EnterRead();
        try
        {
            int index = _areas.FindContaining(address.Value);
            area = index < 0 ? default : _areas[index].ToInfo();
            return index >= 0;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    private bool TryFindFrom(ulong from, ulong size, VirtAddrRange bounds, ulong alignment, out ulong found)
    {
        found = 0;
        if (!Pages.TryAlignUp(from, alignment, out ulong candidate))
        {
            return false;
        }

        ulong limitEnd = bounds.End.Value;
        int index = _areas.FirstEndingAfter(candidate);
        while (true)
        {
            if (candidate > limitEnd || size > limitEnd - candidate)
            {
                return false;
            }

            if (index >= _areas.Count || candidate + size <= _areas[index].Start)
            {
                found = candidate;
                return true;
            }

            // The candidate collides with this area: continue after it.
            if (!Pages.TryAlignUp(Math.Max(candidate, _areas[index].End), alignment, out candidate))
            {
                return false;
            }

            index++;
        }
    }
}
