using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// <c>MAP_PRIVATE</c> mappings of regular files, read in on first touch: the area carries a <see cref="FileSource"/>
/// and a file offset, and a page is filled from the file when it is first populated (a CPU's fault through
/// <see cref="HandlePageFault"/>, or the core's validation through <see cref="PrepareAccess"/>), then behaves as any
/// private page.
/// </summary>
/// <remarks>
/// <para><b>Semantics.</b> Linux shares an untouched private page with the page cache until it is written, so a later
/// write to the file by anyone may or may not show through an untouched page. Here a page is a snapshot of the file
/// taken when the page is first populated: stores to the file before that show, stores after it do not (one of the
/// outcomes Linux allows). Bytes past the file's end in its last page read zero; a page wholly past the file's end
/// (at population time) is not populated: the core gets EFAULT and a CPU a fault that <see cref="IsPastEndOfFile"/>
/// reports (SIGBUS, BUS_ADRERR), also after a truncation that happened after the mmap. A truncation through this
/// process (<see cref="DropPagesPastEndOfFile"/>) drops the populated pages past the new end, even written ones, as
/// Linux's does; after a truncation by another process, pages populated before it keep their contents (the snapshot
/// rule again).</para>
/// <para><b>Fork.</b> A snapshot (fork, clone, lending) carries the files (<see cref="AddrSpaceSnapshot.FileDescriptors"/>,
/// like the shared objects) and, for each such area, its file and file offset; only the populated pages are copied
/// (they may have been written). The restored space reads its unpopulated pages from the file when first touched, and
/// faults past the file's end as the parent does (SIGBUS), so a child behaves as the parent would have. Each space
/// applies the snapshot rule on its own: a page the parent populated before the fork holds the file as it was then in
/// both; a page neither populated holds the file as it is when the child (or the parent) first touches it, as Linux's
/// page cache would show it. Those pages count against the memory limit of the space that populates them, when it
/// does (a snapshot reads nothing in, so it never fails for the limit).</para>
/// <para><b>Accounting.</b> Only populated pages count against the memory limit, as with lazy anonymous memory; a
/// CPU fault populates a small aligned window around the page (<see cref="FileFaultAroundPages"/>, clipped to the
/// area and the file), one <c>pread</c> for several pages.</para>
/// </remarks>
public sealed partial class AddrSpace
{
    /// <summary>Pages a CPU fault in a private file area populates around the faulting page (an aligned window, as
    /// Linux's fault-around of 64 KiB), when the memory limit allows.</summary>
    private const ulong FileFaultAroundPages = 16;

    /// <summary>Runs of at least this many pages are read extent by extent (<c>SEEK_DATA</c>), so the file's holes
    /// stay holes here; shorter runs are read whole.</summary>
    private const ulong SparseReadPages = 256;

    /// <summary>
    /// Maps <c>[start, start + size)</c> as a private copy of <paramref name="fd"/>'s file from
    /// <paramref name="offset"/> (<c>MAP_PRIVATE</c> of a regular file), read in page by page on first population.
    /// </summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="fd">A descriptor open for reading on a regular file; the space keeps a descriptor of its own
    /// (closed when no area reads from it any more), the caller keeps this one.</param>
    /// <param name="offset">Page-aligned file offset.</param>
    /// <returns>None; EINVAL (unaligned, empty, outside the user range, offset overflows); EEXIST; ENOMEM; EMFILE or
    /// ENFILE when the host has no descriptor left for the space's own one (the caller may copy eagerly instead).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    internal LinuxError MapPrivateFile(VirtAddr start, ulong size, MappingFlags flags, int fd, ulong offset)
    {
        if (!TryValidateRange(start, size, out VirtAddrRange range) || !Pages.IsAligned4K(offset) || offset > long.MaxValue - size)
        {
            return LinuxError.EINVAL;
        }

        FileSource? file = AcquireFileSource(fd, out LinuxError errno);
        if (file is null)
        {
            return errno;
        }

        try
        {
            Volatile.Write(ref _mapsPrivateFiles, true);
            Area area = new()
            {
                Start = range.Start.Value, End = range.End.Value, Flags = flags, Kind = MemoryAreaKind.Private, IsLazy = true,
                File = file, FileOffset = offset,
            };
            return MapArea(area, default);
        }
        finally
        {
            file.Release(); // the area holds its own reference (or, refused, none)
        }
    }

    /// <summary>The most files this space keeps descriptors of its own for: mapping one more answers EMFILE (and
    /// the Linux layer copies it eagerly instead), so a guest mapping many files cannot run the host out of
    /// descriptors.</summary>
    internal const int MaxFileSources = 1024;

    /// <summary>The sources of the files this space maps privately, by device and inode, so that every mapping of one
    /// file shares one descriptor (ld.so maps a library several times). Entries may be closed (no area left); they
    /// are replaced on the next mapping of the file and pruned when the table is full. Lock: the table itself.</summary>
    private readonly Dictionary<(ulong Device, ulong Inode), FileSource> _fileSources = [];

    /// <summary>A reference on the source of <paramref name="fd"/>'s file: the one this space already has, else a
    /// new one; null with EMFILE when <see cref="MaxFileSources"/> files are mapped, or the host's error.</summary>
    private FileSource? AcquireFileSource(int fd, out LinuxError errno)
    {
        if (!HostMemory.TryFileIdentity(fd, out ulong device, out ulong inode))
        {
            errno = LinuxError.EBADF;
            return null;
        }

        lock (_fileSources)
        {
            if (_fileSources.TryGetValue((device, inode), out FileSource? known) && known.TryAddReference())
            {
                errno = LinuxError.None;
                return known;
            }

            if (_fileSources.Count >= MaxFileSources)
            {
                foreach (var entry in _fileSources)
                {
                    if (entry.Value.IsClosed)
                    {
                        _ = _fileSources.Remove(entry.Key);
                    }
                }

                if (_fileSources.Count >= MaxFileSources)
                {
                    errno = LinuxError.EMFILE;
                    return null;
                }
            }

            FileSource? created = FileSource.TryCreate(fd, out errno);
            if (created is not null)
            {
                _fileSources[(device, inode)] = created;
            }

            return created;
        }
    }

    /// <summary>Set once a private file area was mapped: <see cref="DropPagesPastEndOfFile"/> has work then.</summary>
    private bool _mapsPrivateFiles;

    /// <summary>While loading a snapshot: records its private files by device and inode, so that a later mapping of one
    /// of them shares the source, as in the space the snapshot was taken from. Caller holds the exclusive lock.</summary>
    private void RegisterFileSources(IReadOnlyList<FileSource> files)
    {
        if (files.Count == 0)
        {
            return;
        }

        Volatile.Write(ref _mapsPrivateFiles, true);
        lock (_fileSources)
        {
            foreach (FileSource file in files)
            {
                if (HostMemory.TryFileIdentity(file.Fd, out ulong device, out ulong inode))
                {
                    _fileSources.TryAdd((device, inode), file);
                }
            }
        }
    }

    /// <summary>Frees and unpopulates the populated pages of a private file area that lie wholly past its file's end
    /// now, adding their range to <paramref name="changed"/>. Caller holds the exclusive lock.</summary>
    private void DropPrivateFilePagesPastEnd(in Area area, List<VirtAddrRange> changed)
    {
        ulong fileEnd = FileEndPage(in area, area.File!.Size());
        ulong endPage = area.End >> Pages.Shift4K;
        if (fileEnd >= endPage || _bitmap.Find(fileEnd, endPage, value: true) >= endPage)
        {
            return;
        }

        ulong from = fileEnd << Pages.Shift4K;
        HostMemory.PunchHole(_memfd, from, area.End - from);
        Uncommit(_bitmap.ClearRange(fileEnd, endPage));
        changed.Add(new VirtAddrRange(new VirtAddr(from), new VirtAddr(area.End)));
    }

    /// <summary>The number of areas (and pieces of areas) that read pages in from a file; for tests and diagnostics.</summary>
    internal int PrivateFileAreaCount
    {
        get
        {
            _lock.EnterRead();
            try
            {
                int count = 0;
                foreach (Area area in _areas.AsSpan())
                {
                    count += area.File is null ? 0 : 1;
                }

                return count;
            }
            finally
            {
                _lock.ExitRead();
            }
        }
    }

    /// <summary>The first page of <paramref name="area"/> that lies wholly past the file's end (the area's end page
    /// when none does), for a file of <paramref name="fileSize"/> bytes (negative: unreadable, so every page is).</summary>
    private static ulong FileEndPage(in Area area, long fileSize)
    {
        ulong startPage = area.Start >> Pages.Shift4K;
        if (fileSize <= 0)
        {
            return startPage;
        }

        ulong mappable = Pages.AlignDown4K((ulong)fileSize + Pages.OffsetMask4K);
        return mappable <= area.FileOffset ? startPage : (area.Start + Math.Min(area.Size, mappable - area.FileOffset)) >> Pages.Shift4K;
    }

    /// <summary>True when <paramref name="page"/> of the private file area lies wholly past the file's end now.</summary>
    private static bool IsPastEndOfPrivateFile(in Area area, ulong page) => page >= FileEndPage(in area, area.File!.Size());

    /// <summary>Populates pages <c>[first, end)</c> of a private file area, reading them from the file under the
    /// source's fill lock (so a page is filled once: a store after its population is never overwritten). With
    /// <paramref name="faultAround"/>, the unpopulated pages of the aligned <see cref="FileFaultAroundPages"/> window
    /// below the file's end are populated too when the limit allows.</summary>
    /// <returns>None; EFAULT when a requested page is past the file's end (or the file cannot be read); ENOMEM over
    /// the memory limit. Nothing is populated on failure.</returns>
    private LinuxError PopulatePrivateFilePages(in Area area, ulong first, ulong end, bool faultAround)
    {
        if (_bitmap.CountClear(first, end) == 0)
        {
            return LinuxError.None;
        }

        lock (area.File!.FillLock)
        {
            if (_bitmap.CountClear(first, end) == 0)
            {
                return LinuxError.None;
            }

            ulong fileEnd = FileEndPage(in area, area.File.Size());
            if (end > fileEnd && _bitmap.CountClear(Math.Max(first, fileEnd), end) != 0)
            {
                return LinuxError.EFAULT; // SIGBUS for a CPU: see IsPastEndOfFile
            }

            if (faultAround)
            {
                ulong windowFrom = Math.Max(area.Start >> Pages.Shift4K, first & ~(FileFaultAroundPages - 1));
                ulong windowTo = Math.Max(end, Math.Min(Math.Min(area.End >> Pages.Shift4K, fileEnd), (first | (FileFaultAroundPages - 1)) + 1));
                ulong windowMissing = _bitmap.CountClear(windowFrom, windowTo);
                if (TryCommit(windowMissing))
                {
                    return FillLocked(in area, windowFrom, windowTo, windowMissing);
                }
            }

            ulong missing = _bitmap.CountClear(first, end);
            return TryCommit(missing) ? FillLocked(in area, first, end, missing) : LinuxError.ENOMEM;
        }
    }

    /// <summary>Reads the unpopulated pages of <c>[from, to)</c> (all below the file's end, <paramref name="missing"/>
    /// of them, already committed) from the file and marks them populated; on a read error, undoes everything and
    /// answers EFAULT. Caller holds the source's fill lock.</summary>
    private LinuxError FillLocked(in Area area, ulong from, ulong to, ulong missing)
    {
        ulong page = from;
        while (page < to)
        {
            ulong runStart = _bitmap.Find(page, to, value: false);
            if (runStart >= to)
            {
                break;
            }

            ulong runEnd = _bitmap.Find(runStart, to, value: true);
            if (!TryReadRun(in area, runStart << Pages.Shift4K, runEnd << Pages.Shift4K))
            {
                PunchUnpopulated(from, runEnd); // unpopulated pages are holes again
                Uncommit(missing);
                return LinuxError.EFAULT;
            }

            page = runEnd;
        }

        ulong set = _bitmap.SetRange(from, to);
        Uncommit(missing - set);
        return LinuxError.None;
    }

    /// <summary>Punches a hole over every unpopulated page of <c>[from, to)</c>.</summary>
    private void PunchUnpopulated(ulong from, ulong to)
    {
        ulong page = from;
        while (page < to)
        {
            ulong clearFrom = _bitmap.Find(page, to, value: false);
            ulong clearTo = _bitmap.Find(clearFrom, to, value: true);
            if (clearFrom < clearTo)
            {
                HostMemory.PunchHole(_memfd, clearFrom << Pages.Shift4K, (clearTo - clearFrom) << Pages.Shift4K);
            }

            page = clearTo;
        }
    }

    /// <summary>Reads guest range <c>[start, end)</c> of a private file area from its file into the memfd (through the
    /// kernel view); bytes past the file's end read zero. Long runs of a seekable source are read extent by extent, so
    /// the file's holes stay holes. False when the host refused the read.</summary>
    private bool TryReadRun(in Area area, ulong start, ulong end)
    {
        FileSource file = area.File!;
        ulong fileStart = area.FileOffset + (start - area.Start);
        ulong length = end - start;
        if (!file.SeeksPrivately || (length >> Pages.Shift4K) < SparseReadPages)
        {
            return TryReadRange(file, start, fileStart, length);
        }

        ulong offset = fileStart;
        ulong fileEnd = fileStart + length;
        while (offset < fileEnd)
        {
            long data = Libc.Lseek(file.Fd, (long)offset, Libc.SeekData);
            if (data < 0)
            {
                // ENXIO: only holes (or the file's end) follow; anything else: read the rest whole.
                return Libc.LastError == Libc.ENXIO || TryReadRange(file, start + (offset - fileStart), offset, fileEnd - offset);
            }

            if ((ulong)data >= fileEnd)
            {
                return true;
            }

            long hole = Libc.Lseek(file.Fd, data, Libc.SeekHole);
            ulong extentEnd = hole < 0 ? fileEnd : Math.Min((ulong)hole, fileEnd);
            ulong extentStart = Pages.AlignDown4K((ulong)data - fileStart) + fileStart; // whole pages: the memfd holds pages
            extentEnd = Math.Min(fileEnd, Pages.AlignDown4K(extentEnd - fileStart + Pages.OffsetMask4K) + fileStart);
            if (!TryReadRange(file, start + (extentStart - fileStart), extentStart, extentEnd - extentStart))
            {
                return false;
            }

            offset = extentEnd;
        }

        return true;
    }

    /// <summary>Reads <paramref name="length"/> bytes (whole pages) of the file at <paramref name="fileOffset"/> to
    /// guest address <paramref name="address"/>; the part of the last page past the file's end is zeroed, whole pages
    /// past it are left as the memfd's holes (zero). False when the host refused the read.</summary>
    private bool TryReadRange(FileSource file, ulong address, ulong fileOffset, ulong length)
    {
        long read = HostMemory.ReadFromFile(file.Fd, KernelBase + (nint)address, length, fileOffset);
        if (read < 0)
        {
            return false;
        }

        ulong done = (ulong)read;
        if (done < length)
        {
            ulong pageEnd = Math.Min(length, Pages.AlignDown4K(done + Pages.OffsetMask4K));
            HostMemory.Zero(KernelBase + (nint)(address + done), pageEnd - done);
            if (pageEnd < length)
            {
                HostMemory.PunchHole(_memfd, address + pageEnd, length - pageEnd);
            }
        }

        return true;
    }
}
