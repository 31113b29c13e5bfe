using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// <c>MAP_SHARED</c> mappings of host files (<see cref="SharedMemory.ForFile"/>): the file itself is mapped into the
/// views, page by page never past the file's end.
/// </summary>
/// <remarks>
/// <para><b>Invariant.</b> In an area backed by a file, the populated pages (bitmap) are exactly the pages the views
/// map from the file, and they form a prefix of the area: <c>[Start, X)</c>. The rest of the area is backed by the
/// space's memfd, never populated, so neither the core (population fails with EFAULT) nor a CPU (no present entry; the
/// fault is reported by <see cref="IsPastEndOfFile"/>) ever touches it. A file mapped only where it has whole pages
/// means the host itself never takes SIGBUS on these pages while the file keeps its size.</para>
/// <para><b>Growth.</b> When the file grows, population maps the new pages (the prefix grows; at most two host
/// mappings per area, whatever the access pattern).</para>
/// <para><b>Shrinking.</b> A truncation through this process (the guest's <c>ftruncate</c>, <c>truncate</c>,
/// <c>open(O_TRUNC)</c>) must be followed by <see cref="DropPagesPastEndOfFile"/>, which takes the exclusive lock (no
/// access scope is open) and moves the pages now past the end back to the memfd. A truncation by another host process
/// is not seen: until the next <see cref="DropPagesPastEndOfFile"/>, a core copy or an emulated access to such a page takes a
/// host SIGBUS, which <see cref="HostFaultGuard"/> repairs (the page reads zero; <see cref="HostFaultEvents"/> counts
/// it) so the process survives; <see cref="DropPagesPastEndOfFile"/> then restores Linux's SIGBUS for those pages.</para>
/// </remarks>
public sealed partial class AddrSpace
{
    /// <summary>True when the page of <paramref name="address"/> lies in a file-backed area (shared, or a private one
    /// not populated yet) whose flags allow
    /// <paramref name="access"/> but lies past the file's end (Linux raises SIGBUS, BUS_ADRERR, there). Call it after
    /// <see cref="HandlePageFault"/> refused the fault.</summary>
    /// <param name="address">The fault address.</param>
    /// <param name="access">The access (<see cref="MappingFlags.User"/> is ignored).</param>
    /// <returns>True for a fault past the end of a mapped file.</returns>
    internal bool IsPastEndOfFile(VirtAddr address, MappingFlags access)
    {
        MappingFlags required = access & ~MappingFlags.User;
        _lock.EnterRead();
        try
        {
            int index = _areas.FindContaining(address.Value);
            if (index < 0)
            {
                return false;
            }

            ref Area area = ref _areas[index];
            ulong page = address.Value >> Pages.Shift4K;
            if (area.File is not null)
            {
                return (area.Flags & required) == required && !_bitmap.IsSet(page) && IsPastEndOfPrivateFile(in area, page);
            }

            return area.Shared is { IsFile: true } && (area.Flags & required) == required
                && PopulateFilePages(in area, page, page + 1) != LinuxError.None;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <summary>True when <c>[start, end)</c> overlaps a shared area of a file whose descriptor is not open for
    /// writing (Linux refuses to make such a mapping writable: EACCES).</summary>
    /// <param name="start">The range's start.</param>
    /// <param name="end">The range's end.</param>
    /// <returns>True when such an area overlaps the range.</returns>
    internal bool OverlapsReadOnlyFile(ulong start, ulong end)
    {
        _lock.EnterRead();
        try
        {
            (int first, int count) = Overlapping(start, end);
            for (int i = first; i < first + count; i++)
            {
                if (_areas[i].Shared is { IsFile: true, IsWritable: false })
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <summary>
    /// Re-reads the size of every mapped file and returns to the memfd (unpopulated: faulting as past the end) the pages
    /// that now lie past a file's end. Call it after this process shrank a file, before anything touches guest memory.
    /// Populated pages of private file mappings past the new end are dropped too (freed, uncommitted), as Linux's
    /// truncation unmaps them even when written, so that they fault as past the end.
    /// </summary>
    /// <returns>The guest ranges whose pages changed (tell the CPU: <c>MappingsChanged</c>).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    internal IReadOnlyList<VirtAddrRange> DropPagesPastEndOfFile()
    {
        List<VirtAddrRange> changed = [];
        if (!Volatile.Read(ref _faultGuarded) && !Volatile.Read(ref _mapsPrivateFiles))
        {
            return changed; // no file was ever mapped here: nothing to check, and no exclusive lock to take
        }

        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            foreach (Area area in _areas.AsSpan())
            {
                if (area.File is not null)
                {
                    DropPrivateFilePagesPastEnd(in area, changed);
                    continue;
                }

                if (area.Shared is not { IsFile: true })
                {
                    continue;
                }

                ulong mappedEnd = PopulatedFileEnd(in area);
                ulong keep = Math.Max(area.Start, Math.Min(mappedEnd, FileBackedEnd(in area)));
                if (keep >= mappedEnd)
                {
                    continue;
                }

                ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase + (nint)keep, mappedEnd - keep, Libc.ProtRead | Libc.ProtWrite, _memfd, keep), "mmap");
                if (GuestViewBase != 0)
                {
                    ThrowOnHostFailure(HostMemory.MapFileFixed(GuestViewBase + (nint)keep, mappedEnd - keep, Libc.ProtNone, _memfd, keep), "mmap");
                }

                _ = _bitmap.ClearRange(keep >> Pages.Shift4K, mappedEnd >> Pages.Shift4K);
                changed.Add(new VirtAddrRange(new VirtAddr(keep), new VirtAddr(mappedEnd)));
            }

            return changed;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>
    /// <c>msync</c>: writes the stores made through file-backed shared areas in <paramref name="range"/> back to their
    /// files (they are already visible to every reader of the file; this makes them durable).
    /// </summary>
    /// <param name="range">A page-aligned range inside the user range.</param>
    /// <param name="wait">True for <c>MS_SYNC</c> (wait for the writes), false for <c>MS_ASYNC</c>.</param>
    /// <returns>None, EINVAL for a bad range, or the host's error (EIO).</returns>
    internal LinuxError SyncToFiles(VirtAddrRange range, bool wait)
    {
        if (!range.IsPageAligned || !UserRange.Contains(range))
        {
            return LinuxError.EINVAL;
        }

        _lock.EnterRead();
        try
        {
            (int first, int count) = Overlapping(range.Start.Value, range.End.Value);
            for (int i = first; i < first + count; i++)
            {
                ref Area area = ref _areas[i];
                if (area.Shared is not { IsFile: true })
                {
                    continue;
                }

                ulong from = Math.Max(area.Start, range.Start.Value);
                ulong to = Math.Min(PopulatedFileEnd(in area), range.End.Value);
                if (from < to)
                {
                    int errno = HostMemory.Sync(KernelBase + (nint)from, to - from, wait);
                    if (errno != 0)
                    {
                        return (LinuxError)errno;
                    }
                }
            }

            return LinuxError.None;
        }
        finally
        {
            _lock.ExitRead();
        }
    }

    /// <summary>How many host faults (a file shrunk by another process under a view) the process-wide guard has
    /// repaired by mapping a zero page in place (see <see cref="HostFaultGuard"/>). When it changes, call
    /// <see cref="DropPagesPastEndOfFile"/> so those pages fault as past the end again.</summary>
    internal static long HostFaultEvents => HostFaultGuard.Events;

    /// <summary>Registers both views with the host fault guard, once (caller holds the exclusive lock).</summary>
    private void GuardViewsAgainstHostFaults()
    {
        if (_faultGuarded)
        {
            return;
        }

        Volatile.Write(ref _faultGuarded, true);
        _ = HostFaultGuard.Register(KernelBase, _viewSize);
        if (GuestViewBase != 0)
        {
            _ = HostFaultGuard.Register(GuestViewBase, _viewSize);
        }
    }

    /// <summary>The end of the area's pages that lie below the file's end now (the area's start when the file ends
    /// before it).</summary>
    private static ulong FileBackedEnd(in Area area)
    {
        ulong mappable = area.Shared!.MappableEnd();
        return mappable > area.SharedOffset ? area.Start + Math.Min(area.Size, mappable - area.SharedOffset) : area.Start;
    }

    /// <summary>The end of the populated prefix of a file-backed area (see the invariant).</summary>
    private ulong PopulatedFileEnd(in Area area) =>
        _bitmap.Find(area.Start >> Pages.Shift4K, area.End >> Pages.Shift4K, value: false) << Pages.Shift4K;

    /// <summary>Populates pages <c>[first, end)</c> of a file-backed area: maps the file over the views from the end of
    /// the populated prefix up to the file's current end (or the area's), under the object's grow lock. Runs under the
    /// shared lock: the pages it maps were unpopulated, so no access scope and no CPU entry refers to them.</summary>
    /// <returns>None when every requested page is now populated; EFAULT when one lies past the file's end (or the host
    /// refused the mapping).</returns>
    private LinuxError PopulateFilePages(in Area area, ulong first, ulong end)
    {
        if (_bitmap.CountClear(first, end) == 0)
        {
            return LinuxError.None;
        }

        lock (area.Shared!.GrowLock)
        {
            ulong mappedEnd = PopulatedFileEnd(in area);
            ulong fileEnd = FileBackedEnd(in area);
            if (fileEnd > mappedEnd && TryMapShared(in area, mappedEnd, fileEnd))
            {
                _ = _bitmap.SetRange(mappedEnd >> Pages.Shift4K, fileEnd >> Pages.Shift4K);
            }
        }

        return _bitmap.CountClear(first, end) == 0 ? LinuxError.None : LinuxError.EFAULT;
    }
}
