using System;
using System.Collections.Generic;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>Fork: snapshots, restoring them, and cloning.</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// Forks the space: a new, independent space with the same areas, flags and population, holding a copy of every
    /// populated private page and sharing every shared area's pages (as <c>fork</c> does with <c>MAP_SHARED</c>).
    /// Private file mappings keep reading their unpopulated pages from their files. The fork advice applies
    /// (<see cref="AdviseFork"/>): <c>MADV_DONTFORK</c> areas are left out, <c>MADV_WIPEONFORK</c> areas are fresh zero
    /// pages.
    /// </summary>
    /// <returns>The copy; dispose it.</returns>
    /// <remarks>Implemented as <see cref="CreateSnapshot"/> followed by <see cref="RestoreSnapshot(AddrSpaceSnapshot, AddrSpaceOptions?)"/>:
    /// an eager copy, not copy-on-write. Only pages that are populated and actually hold data in the host (found with
    /// <c>SEEK_DATA</c>/<c>SEEK_HOLE</c>) are copied; populated pages never written stay holes and read zero in the
    /// copy. Waits for the access scopes on this space to end, like any mutation.</remarks>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">The host ran out of memory while copying.</exception>
    public AddrSpace Clone()
    {
        using AddrSpaceSnapshot snapshot = CreateSnapshot();
        return RestoreSnapshot(snapshot, _options);
    }

    /// <summary>
    /// Freezes the space into file descriptors that another process can rebuild it from (fork by spawning): a new
    /// memfd holding a copy of every populated private page at file offset = guest address, a table describing the
    /// areas and populated pages, the shared objects the areas map, and the files the private file mappings read
    /// from. The fork advice applies (<see cref="AdviseFork"/>): <c>MADV_DONTFORK</c> areas are left out and
    /// <c>MADV_WIPEONFORK</c> areas carry no page (the copy reads zero there and keeps the advice).
    /// </summary>
    /// <returns>The snapshot; dispose it once restored (or handed over).</returns>
    /// <remarks>To restore in another process, give it <see cref="AddrSpaceSnapshot.MemoryFd"/>, the descriptors of
    /// <see cref="AddrSpaceSnapshot.SharedMemories"/> and <see cref="AddrSpaceSnapshot.FileDescriptors"/> (in order) and
    /// the bytes of <see cref="AddrSpaceSnapshot.AreaTable"/>; there, wrap each shared descriptor with
    /// <see cref="SharedMemory.Adopt"/> and call
    /// <see cref="RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?)"/>.
    /// The descriptors are close-on-exec: pass them with <c>SCM_RIGHTS</c>, open <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c>,
    /// or clear the flag for inheritance. Pages of private file mappings that were never populated are not read: the
    /// restored space reads them when first touched (so they count against its memory limit then, not now), and a page
    /// past a file's end faults there as here.</remarks>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">The host ran out of memory while copying.</exception>
    public AddrSpaceSnapshot CreateSnapshot() => BuildSnapshot(lend: false, applyForkAdvice: true);

    /// <summary>Builds a snapshot: a copy of the written pages in a new memfd, or (<paramref name="lend"/>) this
    /// space's own memfd, duplicated; with <paramref name="applyForkAdvice"/>, without the <c>MADV_DONTFORK</c> areas
    /// and with the <c>MADV_WIPEONFORK</c> ones wiped.</summary>
    private AddrSpaceSnapshot BuildSnapshot(bool lend, bool applyForkAdvice)
    {
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            int fd = lend ? HostMemory.Duplicate(_memfd) : HostMemory.CreateMemfd("usermemory-snapshot", _viewSize);
            try
            {
                List<SharedMemory> shared = [];
                Dictionary<SharedMemory, int> sharedIndex = new(ReferenceEqualityComparer.Instance);
                List<FileSource> files = [];
                Dictionary<FileSource, int> fileIndex = new(ReferenceEqualityComparer.Instance);
                List<AreaTableCodec.StoredArea> stored = new(_areas.Count);
                List<(ulong FirstPage, ulong PageCount)> runs = [];
                foreach (Area area in _areas.AsSpan())
                {
                    if (applyForkAdvice && area.DontFork)
                    {
                        continue; // the child has no area here (SIGSEGV, and free for a new mapping)
                    }

                    int index = -1;
                    if (area.Shared is not null && !sharedIndex.TryGetValue(area.Shared, out index))
                    {
                        index = shared.Count;
                        sharedIndex.Add(area.Shared, index);
                        shared.Add(area.Shared);
                    }

                    int file = -1;
                    if (area.File is not null && !fileIndex.TryGetValue(area.File, out file))
                    {
                        file = files.Count;
                        fileIndex.Add(area.File, file);
                        files.Add(area.File);
                    }

                    bool wiped = applyForkAdvice && area.WipeOnFork && area.Shared is null && area.File is null;
                    AreaTableCodec.ForkBits fork = (area.DontFork ? AreaTableCodec.ForkBits.DontFork : 0)
                        | (area.WipeOnFork ? AreaTableCodec.ForkBits.WipeOnFork : 0)
                        | (wiped ? AreaTableCodec.ForkBits.Wiped : 0)
                        | (area.NoHugePage ? AreaTableCodec.ForkBits.NoHugePage : 0);
                    stored.Add(new(area.Start, area.End, area.Flags, area.Kind, area.IsLazy || wiped, index, area.SharedOffset, file, area.FileOffset, fork));
                    if (area.Shared is null && !wiped)
                    {
                        CopyPopulatedRuns(area, lend ? -1 : fd, runs);
                    }
                }

                ulong[] sharedSizes = new ulong[shared.Count];
                for (int i = 0; i < shared.Count; i++)
                {
                    sharedSizes[i] = shared[i].Size;
                }

                var fileRecords = new AreaTableCodec.FileRecord[files.Count];
                for (int i = 0; i < files.Count; i++)
                {
                    fileRecords[i] = files[i].SeeksPrivately ? AreaTableCodec.FileRecord.SeeksPrivately : AreaTableCodec.FileRecord.None;
                }

                byte[] table = AreaTableCodec.Encode(UserRange, sharedSizes, fileRecords, stored, runs);
                foreach (SharedMemory memory in shared)
                {
                    memory.AddReference();
                }

                foreach (FileSource source in files)
                {
                    source.AddReference(); // the areas hold theirs under this lock: never the last one gone
                }

                return new AddrSpaceSnapshot(fd, table, shared, files, lend);
            }
            catch
            {
                HostMemory.Close(fd);
                throw;
            }
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>Rebuilds a space from a snapshot that lists no private file (see
    /// <see cref="RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?)"/>).</summary>
    /// <param name="memoryFd">The snapshot's memory descriptor; it is duplicated, the caller keeps (and should close)
    /// its own.</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared objects, in the snapshot's order.</param>
    /// <param name="options">Tunables, or null for the defaults.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="ArgumentException">The table is malformed, lists private files, or the shared objects do not
    /// match it, or the snapshot needs more host mappings than <paramref name="options"/> allow.</exception>
    public static AddrSpace RestoreSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, AddrSpaceOptions? options = null) =>
        RestoreSnapshot(memoryFd, areaTable, sharedMemories, [], options);

    /// <summary>Rebuilds a space from a snapshot taken by <see cref="CreateSnapshot"/>, typically in another process.
    /// The new space adopts the snapshot's memory file as its own backing (no copy), so a snapshot's memory must be
    /// restored at most once.</summary>
    /// <param name="memoryFd">The snapshot's memory descriptor; it is duplicated, the caller keeps (and should close)
    /// its own.</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared objects, in the snapshot's order (the new areas take their own
    /// references).</param>
    /// <param name="fileDescriptors">Descriptors of the private files (<see cref="AddrSpaceSnapshot.FileDescriptors"/>),
    /// in the snapshot's order, open for reading; each is duplicated (close-on-exec), the caller keeps (and should
    /// close) its own.</param>
    /// <param name="options">Tunables, or null for the defaults. The memory limit is not enforced while restoring.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="ArgumentException">The table is malformed, or the shared objects or files do not match it (a
    /// file descriptor that cannot be duplicated), or the snapshot needs more host mappings than
    /// <paramref name="options"/> allow.</exception>
    public static AddrSpace RestoreSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<int> fileDescriptors, AddrSpaceOptions? options)
    {
        AreaTableCodec.Decoded decoded = DecodeForRestore(areaTable, sharedMemories, fileDescriptors);
        FileSource[] files = DuplicateFiles(decoded, fileDescriptors);
        try
        {
            return Restore(memoryFd, decoded, sharedMemories, files, options);
        }
        finally
        {
            ReleaseAll(files); // the areas hold their own references
        }
    }

    /// <summary>Restores a decoded snapshot whose memory file is a copy to adopt.</summary>
    private static AddrSpace Restore(int memoryFd, AreaTableCodec.Decoded decoded, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<FileSource> files, AddrSpaceOptions? options)
    {
        options = ValidateOptions(options);
        int fd = HostMemory.Duplicate(memoryFd);
        if (HostMemory.FileSize(fd) < decoded.UserRange.End.Value)
        {
            HostMemory.Close(fd);
            throw new ArgumentException("The memory file is smaller than the snapshot's address space.", nameof(memoryFd));
        }

        AddrSpace space = new(decoded.UserRange, options, fd);
        try
        {
            space.Load(decoded, sharedMemories, files);
            return space;
        }
        catch
        {
            space.Dispose();
            throw;
        }
    }

    private static AddrSpaceOptions WithoutGuestView(AddrSpaceOptions options) =>
        new() { MemoryLimit = options.MemoryLimit, MaxHostMappings = options.MaxHostMappings, GuestView = false, AnonymousFaultAroundPages = options.AnonymousFaultAroundPages };

    /// <summary>Decodes an area table and checks the shared objects and the number of files against it.</summary>
    private static AreaTableCodec.Decoded DecodeForRestore(ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<int> fileDescriptors)
    {
        ArgumentNullException.ThrowIfNull(sharedMemories);
        ArgumentNullException.ThrowIfNull(fileDescriptors);
        AreaTableCodec.Decoded decoded = AreaTableCodec.Decode(areaTable);
        if (sharedMemories.Count != decoded.SharedSizes.Length)
        {
            throw new ArgumentException("The shared memory objects do not match the snapshot.", nameof(sharedMemories));
        }

        for (int i = 0; i < sharedMemories.Count; i++)
        {
            if (sharedMemories[i] is null || sharedMemories[i].Size != decoded.SharedSizes[i])
            {
                throw new ArgumentException($"Shared memory object {i} does not match the snapshot.", nameof(sharedMemories));
            }
        }

        if (fileDescriptors.Count != decoded.Files.Length)
        {
            throw new ArgumentException("The private files do not match the snapshot.", nameof(fileDescriptors));
        }

        return decoded;
    }

    /// <summary>A source of its own for each private file descriptor of a decoded snapshot (duplicated).</summary>
    /// <exception cref="ArgumentException">A descriptor cannot be duplicated (nothing is kept then).</exception>
    private static FileSource[] DuplicateFiles(AreaTableCodec.Decoded decoded, IReadOnlyList<int> fileDescriptors)
    {
        var files = new FileSource[fileDescriptors.Count];
        for (int i = 0; i < files.Length; i++)
        {
            FileSource? file = FileSource.TryDuplicate(fileDescriptors[i], (decoded.Files[i] & AreaTableCodec.FileRecord.SeeksPrivately) != 0);
            if (file is null)
            {
                ReleaseAll(files.AsSpan(0, i));
                throw new ArgumentException($"Private file descriptor {i} cannot be duplicated.", nameof(fileDescriptors));
            }

            files[i] = file;
        }

        return files;
    }

    private static void ReleaseAll(ReadOnlySpan<FileSource> files)
    {
        foreach (FileSource file in files)
        {
            file.Release();
        }
    }

    /// <summary>Rebuilds a space from a snapshot in this process (once per snapshot), sharing its private files. A lent
    /// snapshot (<see cref="AddrSpaceSnapshot.IsLent"/>) is borrowed (<see cref="RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>,
    /// the guest view turned off).</summary>
    /// <param name="snapshot">The snapshot; still to be disposed by the caller.</param>
    /// <param name="options">Tunables, or null for the defaults.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="InvalidOperationException">The snapshot was already restored.</exception>
    public static AddrSpace RestoreSnapshot(AddrSpaceSnapshot snapshot, AddrSpaceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.MarkRestored();
        AreaTableCodec.Decoded decoded = DecodeForRestore(snapshot.AreaTable, snapshot.SharedMemories, snapshot.FileDescriptors);
        return snapshot.IsLent
            ? RestoreBorrowed(snapshot.MemoryFd, decoded, snapshot.SharedMemories, snapshot.Files, WithoutGuestView(options ?? AddrSpaceOptions.Default), released: null)
            : Restore(snapshot.MemoryFd, decoded, snapshot.SharedMemories, snapshot.Files, options);
    }

    /// <summary>Copies the populated pages of a private area that hold data to <paramref name="fd"/> (none when it is
    /// -1) and records the populated runs.</summary>
    private void CopyPopulatedRuns(in Area area, int fd, List<(ulong FirstPage, ulong PageCount)> runs)
    {
        ulong page = area.Start >> Pages.Shift4K;
        while (_bitmap.TryFindRun(ref page, area.End >> Pages.Shift4K, out ulong runStart, out ulong runEnd))
        {
            runs.Add((runStart, runEnd - runStart));
            if (fd >= 0)
            {
                CopyData(fd, runStart << Pages.Shift4K, runEnd << Pages.Shift4K);
            }
        }
    }

    /// <summary>Copies the data extents of <c>[from, to)</c> of the backing memfd (skipping holes) to the same
    /// offsets of <paramref name="fd"/>.</summary>
    private void CopyData(int fd, ulong from, ulong to)
    {
        ulong offset = from;
        while (HostMemory.TryFindDataExtent(_memfd, offset, to, out ulong dataStart, out ulong dataEnd))
        {
            WriteView(fd, dataStart, dataEnd);
            offset = dataEnd;
        }
    }

    /// <summary>Writes the kernel view's <c>[from, to)</c> to the same offsets of <paramref name="fd"/>.</summary>
    /// <exception cref="InsufficientMemoryException">The host ran out of memory.</exception>
    private void WriteView(int fd, ulong from, ulong to)
    {
        int errno = HostMemory.WriteToFile(fd, KernelBase + (nint)from, to - from, from);
        if (errno != 0)
        {
            throw new InsufficientMemoryException($"Copying guest memory failed: {((LinuxError)errno).Name()}.");
        }
    }

    /// <summary>Installs a decoded snapshot into this new, empty space.</summary>
    private void Load(AreaTableCodec.Decoded decoded, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<FileSource> files)
    {
        _lock.EnterWrite();
        try
        {
            foreach (AreaTableCodec.StoredArea stored in decoded.Areas)
            {
                Area area = new()
                {
                    Start = stored.Start, End = stored.End, Flags = stored.Flags, Kind = stored.Kind, IsLazy = stored.IsLazy,
                    Shared = stored.Kind == MemoryAreaKind.Shared ? sharedMemories[stored.SharedIndex] : null,
                    SharedOffset = stored.Kind == MemoryAreaKind.Shared ? stored.SharedOffset : 0,
                    File = stored.FileIndex >= 0 ? files[stored.FileIndex] : null,
                    FileOffset = stored.FileIndex >= 0 ? stored.FileOffset : 0,
                    DontFork = (stored.Fork & AreaTableCodec.ForkBits.DontFork) != 0,
                    WipeOnFork = (stored.Fork & AreaTableCodec.ForkBits.WipeOnFork) != 0,
                    NoHugePage = (stored.Fork & AreaTableCodec.ForkBits.NoHugePage) != 0,
                };
                area.Shared?.AddReference();
                area.File?.AddReference();
                _areas.Replace(_areas.Count, 0, new ReadOnlySpan<Area>(in area));
                if (!TryAddHostBacking(area, out ulong populatedEnd))
                {
                    throw new InvalidOperationException("The host refused a mapping while restoring a snapshot.");
                }

                if ((stored.Fork & AreaTableCodec.ForkBits.Wiped) != 0)
                {
                    HideLentMemory(in area);
                }

                if (area.Shared is not null && populatedEnd > area.Start)
                {
                    _ = _bitmap.SetRange(area.Start >> Pages.Shift4K, populatedEnd >> Pages.Shift4K);
                }
            }

            ulong committed = 0;
            foreach ((ulong firstPage, ulong pageCount) in decoded.Runs)
            {
                int index = IndexContaining(firstPage << Pages.Shift4K);
                if (pageCount == 0 || index < 0 || _areas[index].Kind != MemoryAreaKind.Private
                    || (firstPage + pageCount) << Pages.Shift4K > _areas[index].End)
                {
                    throw new ArgumentException("Malformed address-space snapshot table: a populated run is not inside a private area.", "areaTable");
                }

                committed += _bitmap.SetRange(firstPage, firstPage + pageCount);
            }

            _committedPages = (long)committed;
            RegisterFileSources(files);
            _hostMappings = CountHostMappings();
            if (_hostMappings > _options.MaxHostMappings)
            {
                throw new ArgumentException("The snapshot needs more host mappings than the options allow.", "options");
            }
        }
        finally
        {
            _lock.ExitWrite();
        }
    }
}
