using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// Keeps Unicorn's memory regions equal to the address space's areas: one Unicorn region per area (never per page,
/// since Unicorn 2.0.1 slows down with many regions and aborts beyond a few thousand), backed by the address space's
/// guest view so that guest code sees the area's protections. After a change to a range, <see cref="Resync"/> unmaps
/// the Unicorn regions touching it and maps the areas now there.
/// </summary>
internal sealed class UnicornMemoryMirror
{
    private readonly AddrSpace _space;
    private readonly UnicornEngine _cpu;
    private readonly SortedDictionary<ulong, (ulong End, int Perms)> _regions = new();

    /// <summary>Creates an empty mirror.</summary>
    /// <param name="space">The address space (with a guest view).</param>
    /// <param name="cpu">The engine.</param>
    public UnicornMemoryMirror(AddrSpace space, UnicornEngine cpu)
    {
        _space = space ?? throw new ArgumentNullException(nameof(space));
        _cpu = cpu ?? throw new ArgumentNullException(nameof(cpu));
        if (space.GuestViewBase == 0)
        {
            throw new ArgumentException("The address space needs a guest view.", nameof(space));
        }
    }

    /// <summary>The number of Unicorn regions now mapped.</summary>
    public int RegionCount => _regions.Count;

    /// <summary>Re-mirrors every area of <c>[start, end)</c>.</summary>
    /// <param name="start">Start (rounded down to a page).</param>
    /// <param name="end">End (rounded up to a page).</param>
    public void Resync(ulong start, ulong end)
    {
        start = Pages.AlignDown4K(start);
        if (!Pages.TryAlignUp4K(end, out end) || end <= start)
        {
            return;
        }

        // Widen the range over regions that merely border it, so that a growing heap or a neighbouring mapping with
        // the same permissions merges into one region instead of adding one per call.
        foreach (KeyValuePair<ulong, (ulong End, int Perms)> r in _regions)
        {
            if (r.Value.End == start)
            {
                start = r.Key;
            }
            else if (r.Key == end)
            {
                end = r.Value.End;
            }
        }

        // Unmap whole Unicorn regions that touch the range, keeping the parts outside it to map again.
        var keep = new List<(ulong Start, ulong End, int Perms)>();
        var remove = new List<ulong>();
        foreach (KeyValuePair<ulong, (ulong End, int Perms)> r in _regions)
        {
            if (r.Key >= end)
            {
                break;
            }

            if (r.Value.End <= start)
            {
                continue;
            }

            remove.Add(r.Key);
            if (r.Key < start)
            {
                keep.Add((r.Key, start, r.Value.Perms));
            }

            if (r.Value.End > end)
            {
                keep.Add((end, r.Value.End, r.Value.Perms));
            }
        }

        foreach (ulong s in remove)
        {
            Check(_cpu.Unmap(s, _regions[s].End - s), "uc_mem_unmap");
            _regions.Remove(s);
        }

        foreach ((ulong s, ulong e, int p) in keep)
        {
            MapRegion(s, e, p);
        }

        // Adjacent areas with equal permissions share one region (fewer regions keep Unicorn fast).
        ulong runStart = 0, runEnd = 0;
        int runPerms = 0;
        foreach (MemoryAreaInfo area in _space.GetAreas())
        {
            ulong s = Math.Max(area.Range.Start.Value, start);
            ulong e = Math.Min(area.Range.End.Value, end);
            int perms = (int)(area.Flags & (MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute));
            if (s >= e || perms == 0)
            {
                continue;
            }

            if (runEnd == s && runPerms == perms)
            {
                runEnd = e;
                continue;
            }

            if (runEnd > runStart)
            {
                MapRegion(runStart, runEnd, runPerms);
            }

            (runStart, runEnd, runPerms) = (s, e, perms);
        }

        if (runEnd > runStart)
        {
            MapRegion(runStart, runEnd, runPerms);
        }
    }

    private void MapRegion(ulong start, ulong end, int perms)
    {
        Check(_cpu.MapPointer(start, end - start, perms, _space.GuestViewBase + (nint)start), "uc_mem_map_ptr");
        _regions[start] = (end, perms);
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException(what + " failed: " + UnicornEngine.ErrorText(error));
        }
    }
}
