using System;
using System.Collections.Generic;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>Map, unmap and protect.</summary>
public sealed partial class AddrSpace
{
    /// <summary>Maps private anonymous memory (<c>MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE</c>).</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="populate">True to commit every page now (counted against <see cref="MemoryLimit"/> at once);
    /// false to populate each page on first access.</param>
    /// <returns>None; EINVAL (unaligned, empty, or not inside <see cref="UserRange"/>); EEXIST (overlaps an area);
    /// ENOMEM (over <see cref="MemoryLimit"/> or <see cref="AddrSpaceOptions.MaxHostMappings"/>).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    public LinuxError MapAlloc(VirtAddr start, ulong size, MappingFlags flags, bool populate)
    {
        if (!TryValidateRange(start, size, out VirtAddrRange range))
        {
            return LinuxError.EINVAL;
        }

        Area area = new() { Start = range.Start.Value, End = range.End.Value, Flags = flags, Kind = MemoryAreaKind.Private, IsLazy = !populate };
        return MapArea(area, default);
    }

    /// <summary>Maps <paramref name="size"/> bytes of <paramref name="memory"/> from <paramref name="offset"/>
    /// (<c>MAP_SHARED</c>): writes are seen by every space mapping the same pages. The area holds a reference on
    /// <paramref name="memory"/> until unmapped. Shared pages are always populated and are not counted in
    /// <see cref="CommittedBytes"/>.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="memory">The shared object.</param>
    /// <param name="offset">Page-aligned offset inside it; <c>offset + size</c> must not pass its end.</param>
    /// <returns>None; EINVAL (unaligned, empty, outside the user range or past the object's end); EEXIST; ENOMEM
    /// (over <see cref="AddrSpaceOptions.MaxHostMappings"/>, or the host refused the mapping).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="memory"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="memory"/> has no reference left.</exception>
    public LinuxError MapShared(VirtAddr start, ulong size, MappingFlags flags, SharedMemory memory, ulong offset)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (!TryValidateRange(start, size, out VirtAddrRange range) || !Pages.IsAligned4K(offset)
            || offset > memory.Size || size > memory.Size - offset)
        {
            return LinuxError.EINVAL;
        }

        Area area = new()
        {
            Start = range.Start.Value, End = range.End.Value, Flags = flags, Kind = MemoryAreaKind.Shared,
            Shared = memory, SharedOffset = offset,
        };
        return MapArea(area, default);
    }

    /// <summary>Maps a private, eagerly populated area whose first bytes are <paramref name="initialContents"/> and
    /// the rest zero (what an ELF loader needs for a segment). The contents are copied regardless of
    /// <paramref name="flags"/>.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="initialContents">At most <paramref name="size"/> bytes.</param>
    /// <returns>None; EINVAL (also when the contents are longer than the area); EEXIST; ENOMEM.</returns>
    public LinuxError MapLinear(VirtAddr start, ulong size, MappingFlags flags, ReadOnlySpan<byte> initialContents)
    {
        if (!TryValidateRange(start, size, out VirtAddrRange range) || (ulong)initialContents.Length > size)
        {
            return LinuxError.EINVAL;
        }

        Area area = new() { Start = range.Start.Value, End = range.End.Value, Flags = flags, Kind = MemoryAreaKind.Private };
        return MapArea(area, initialContents);
    }

    /// <summary>Unmaps <c>[start, start + size)</c>: areas inside it are removed, areas sticking out are shrunk, and an
    /// area containing the whole range is split in two. Gaps are fine (like <c>munmap</c>). The removed private pages
    /// are freed, so a later mapping reads zeros, and become inaccessible in the guest view.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <returns>None; EINVAL (unaligned, empty or not inside <see cref="UserRange"/>); ENOMEM when splitting an area
    /// would pass <see cref="AddrSpaceOptions.MaxHostMappings"/> (nothing changes then).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    public LinuxError Unmap(VirtAddr start, ulong size)
    {
        if (!TryValidateRange(start, size, out VirtAddrRange range))
        {
            return LinuxError.EINVAL;
        }

        ulong s = range.Start.Value;
        ulong e = range.End.Value;
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            (int first, int count) = Overlapping(s, e);
            if (count == 0)
            {
                return LinuxError.None;
            }

            Area[] old = _areas.AsSpan().Slice(first, count).ToArray();
            List<Area> kept = new(2);
            foreach (Area area in old)
            {
                if (area.Start < s)
                {
                    kept.Add(area.Slice(area.Start, s));
                }

                if (area.End > e)
                {
                    kept.Add(area.Slice(e, area.End));
                }
            }

            if (!TryReplaceWithinBudget(first, old, kept, s, e, out int hostMappings))
            {
                return LinuxError.ENOMEM;
            }

            foreach (Area area in old)
            {
                RemoveHostBacking(area.Slice(Math.Max(area.Start, s), Math.Min(area.End, e)));
                if (area.Shared is not null || area.File is not null)
                {
                    int pieces = (area.Start < s ? 1 : 0) + (area.End > e ? 1 : 0);
                    if (pieces == 0)
                    {
                        area.Shared?.Release();
                        area.File?.Release();
                    }
                    else if (pieces == 2)
                    {
                        area.Shared?.AddReference();
                        area.File?.AddReference();
                    }
                }
            }

            _hostMappings = hostMappings;
            return LinuxError.None;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>Changes the permissions of <c>[start, start + size)</c>: areas sticking out of the range are split so
    /// that only the overlapping part changes, and the guest view's host protection follows. Gaps in the range are
    /// skipped (ArceOS axmm's behaviour; Linux's <c>mprotect</c> answers ENOMEM for them: check
    /// <c>CheckRegionAccess(range, MappingFlags.None)</c> first for that). Areas are not merged afterwards.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="flags">The new permissions.</param>
    /// <returns>None; EINVAL (unaligned, empty or not inside <see cref="UserRange"/>); ENOMEM (over
    /// <see cref="AddrSpaceOptions.MaxHostMappings"/>, or the host refused; nothing changes then).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    public LinuxError Protect(VirtAddr start, ulong size, MappingFlags flags)
    {
        if (!TryValidateRange(start, size, out VirtAddrRange range))
        {
            return LinuxError.EINVAL;
        }

        ulong s = range.Start.Value;
        ulong e = range.End.Value;
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            (int first, int count) = Overlapping(s, e);
            Area[] old = _areas.AsSpan().Slice(first, count).ToArray();
            List<Area> replaced = new(count + 2);
            List<Area> changed = new(count);
            foreach (Area area in old)
            {
                if (area.Flags == flags)
                {
                    replaced.Add(area);
                    continue;
                }

                if (area.Start < s)
                {
                    replaced.Add(area.Slice(area.Start, s));
                }

                Area middle = area.Slice(Math.Max(area.Start, s), Math.Min(area.End, e));
                middle.Flags = flags;
                replaced.Add(middle);
                changed.Add(middle);
                if (area.End > e)
                {
                    replaced.Add(area.Slice(e, area.End));
                }
            }

            if (changed.Count == 0)
            {
                return LinuxError.None;
            }

            if (!TryReplaceWithinBudget(first, old, replaced, s, e, out int hostMappings))
            {
                return LinuxError.ENOMEM;
            }

            if (GuestViewBase != 0)
            {
                int protection = HostMemory.GuestProtection(flags);
                for (int i = 0; i < changed.Count; i++)
                {
                    Area piece = changed[i];
                    if (HostMemory.Protect(GuestViewBase + (nint)piece.Start, piece.Size, protection) != 0)
                    {
                        // Undo: restore the host protections already changed and the old areas.
                        for (int j = 0; j < i; j++)
                        {
                            RestoreGuestProtection(changed[j], old);
                        }

                        _areas.Replace(first, replaced.Count, old);
                        return LinuxError.ENOMEM;
                    }
                }
            }

            foreach (Area area in old)
            {
                if ((area.Shared is not null || area.File is not null) && area.Flags != flags)
                {
                    int pieces = 1 + (area.Start < s ? 1 : 0) + (area.End > e ? 1 : 0);
                    for (int k = 1; k < pieces; k++)
                    {
                        area.Shared?.AddReference();
                        area.File?.AddReference();
                    }
                }
            }

            _hostMappings = hostMappings;
            return LinuxError.None;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    private bool TryValidateRange(VirtAddr start, ulong size, out VirtAddrRange range) =>
        VirtAddrRange.TryFromStartSize(start, size, out range) && !range.IsEmpty && range.IsPageAligned
        && UserRange.Contains(range);

    /// <summary>The areas overlapping <c>[s, e)</c>: first index and count.</summary>
    private (int First, int Count) Overlapping(ulong s, ulong e)
    {
        int first = _areas.FirstEndingAfter(s);
        int end = first;
        while (end < _areas.Count && _areas[end].Start < e)
        {
            end++;
        }

        return (first, end - first);
    }

    /// <summary>Replaces <paramref name="old"/> (at <paramref name="first"/>) by <paramref name="replacement"/> in the
    /// area list when the host mappings stay within budget; otherwise leaves the list unchanged.</summary>
    private bool TryReplaceWithinBudget(int first, Area[] old, List<Area> replacement, ulong s, ulong e, out int hostMappings)
    {
        int before = CountBreaks(s, e);
        _areas.Replace(first, old.Length, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(replacement));
        int after = CountBreaks(s, e);
        hostMappings = _hostMappings + after - before;
        if (hostMappings <= _options.MaxHostMappings)
        {
            return true;
        }

        _areas.Replace(first, replacement.Count, old);
        return false;
    }

    private LinuxError MapArea(Area area, ReadOnlySpan<byte> initialContents)
    {
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            int index = _areas.FirstEndingAfter(area.Start);
            if (index < _areas.Count && _areas[index].Start < area.End)
            {
                return LinuxError.EEXIST;
            }

            ulong pages = area.Size >> Pages.Shift4K;
            ulong committed = area.Kind == MemoryAreaKind.Private && !area.IsLazy ? pages : 0;
            if (!TryCommit(committed))
            {
                return LinuxError.ENOMEM;
            }

            area.Shared?.AddReference();
            area.File?.AddReference();
            int before = CountBreaks(area.Start, area.End);
            _areas.Replace(index, 0, new ReadOnlySpan<Area>(in area));
            int after = CountBreaks(area.Start, area.End);
            int hostMappings = _hostMappings + after - before;
            if (hostMappings > _options.MaxHostMappings || !TryAddHostBacking(area, out ulong populatedEnd))
            {
                _areas.Replace(index, 1, default);
                area.Shared?.Release();
                area.File?.Release();
                Uncommit(committed);
                return LinuxError.ENOMEM;
            }

            if (!initialContents.IsEmpty && HostMemory.WriteToFile(_memfd, initialContents, area.Start) != 0)
            {
                // The host is out of memory: undo the mapping as a refused host backing does.
                RemoveHostBacking(in area);
                _areas.Replace(index, 1, default);
                Uncommit(committed);
                return LinuxError.ENOMEM;
            }

            _hostMappings = hostMappings;
            if (populatedEnd > area.Start)
            {
                _bitmap.SetRange(area.Start >> Pages.Shift4K, populatedEnd >> Pages.Shift4K);
            }

            return LinuxError.None;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>Makes the host views show a new area; false (with nothing changed) when the host refuses.
    /// <paramref name="populatedEnd"/> is where the pages populated now end: the area's end for eager private and
    /// memfd-shared areas, its start for lazy ones, and for a file the end of the whole pages below the file's end.</summary>
    private bool TryAddHostBacking(in Area area, out ulong populatedEnd)
    {
        int protection = HostMemory.GuestProtection(area.Flags);
        if (area.Shared is null)
        {
            populatedEnd = area.IsLazy ? area.Start : area.End;
            return GuestViewBase == 0 || HostMemory.Protect(GuestViewBase + (nint)area.Start, area.Size, protection) == 0;
        }

        if (area.Shared.IsFile)
        {
            GuardViewsAgainstHostFaults();
        }

        populatedEnd = area.Shared.IsFile ? FileBackedEnd(in area) : area.End;
        if (populatedEnd == area.Start)
        {
            return true; // the file ends before the area: nothing to map yet, every page faults as past the end
        }

        return TryMapShared(in area, area.Start, populatedEnd);
    }

    /// <summary>Maps <c>[from, to)</c> of a shared area over both views; false (with the views as before) when the host
    /// refuses.</summary>
    private bool TryMapShared(in Area area, ulong from, ulong to)
    {
        SharedMemory shared = area.Shared!;
        int kernelProtection = shared.IsWritable ? Libc.ProtRead | Libc.ProtWrite : Libc.ProtRead;
        ulong offset = area.SharedOffset + (from - area.Start);
        ulong size = to - from;
        if (HostMemory.MapFileFixed(KernelBase + (nint)from, size, kernelProtection, shared.Fd, offset) != 0)
        {
            return false;
        }

        if (GuestViewBase != 0
            && HostMemory.MapFileFixed(GuestViewBase + (nint)from, size, HostMemory.GuestProtection(area.Flags), shared.Fd, offset) != 0)
        {
            ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase + (nint)from, size, Libc.ProtRead | Libc.ProtWrite, _memfd, from), "mmap");
            return false;
        }

        return true;
    }

    /// <summary>Removes a (piece of an) area from the host views and frees its private contents.</summary>
    private void RemoveHostBacking(in Area piece)
    {
        ulong first = piece.Start >> Pages.Shift4K;
        ulong end = piece.End >> Pages.Shift4K;
        if (piece.Shared is null)
        {
            HostMemory.PunchHole(_memfd, piece.Start, piece.Size);
            if (GuestViewBase != 0)
            {
                ThrowOnHostFailure(HostMemory.Protect(GuestViewBase + (nint)piece.Start, piece.Size, Libc.ProtNone), "mprotect");
            }

            Uncommit(_bitmap.ClearRange(first, end));
        }
        else
        {
            ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase + (nint)piece.Start, piece.Size, Libc.ProtRead | Libc.ProtWrite, _memfd, piece.Start), "mmap");
            if (GuestViewBase != 0)
            {
                ThrowOnHostFailure(HostMemory.MapFileFixed(GuestViewBase + (nint)piece.Start, piece.Size, Libc.ProtNone, _memfd, piece.Start), "mmap");
            }

            _ = _bitmap.ClearRange(first, end);
        }
    }

    private void RestoreGuestProtection(in Area changedPiece, Area[] old)
    {
        foreach (Area area in old)
        {
            ulong s = Math.Max(area.Start, changedPiece.Start);
            ulong e = Math.Min(area.End, changedPiece.End);
            if (s < e)
            {
                _ = HostMemory.Protect(GuestViewBase + (nint)s, e - s, HostMemory.GuestProtection(area.Flags));
            }
        }
    }
}
