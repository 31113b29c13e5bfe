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
    /// areas and populated pages, and the shared objects the areas map.
    /// </summary>
    /// <returns>The snapshot; dispose it once restored (or handed over).</returns>
    /// <remarks>To restore in another process, give it <see cref="AddrSpaceSnapshot.MemoryFd"/>, the descriptors of
    /// <see cref="AddrSpaceSnapshot.SharedMemories"/> (in order) and the bytes of
    /// <see cref="AddrSpaceSnapshot.AreaTable"/>; there, wrap each shared descriptor with
    /// <see cref="SharedMemory.Adopt"/> and call
    /// <see cref="RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, AddrSpaceOptions?)"/>. The
    /// descriptors are close-on-exec: pass them with <c>SCM_RIGHTS</c>, open <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c>, or clear
    /// the flag for inheritance.</remarks>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">The host ran out of memory while copying, or reading in the
    /// private file mappings would pass <see cref="MemoryLimit"/>.</exception>
    public AddrSpaceSnapshot CreateSnapshot() => BuildSnapshot(lend: false);

    /// <summary>Builds a snapshot: a copy of the written pages in a new memfd, or (<paramref name="lend"/>) this
    /// space's own memfd, duplicated.</summary>
    private AddrSpaceSnapshot BuildSnapshot(bool lend)
    {
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            MaterialisePrivateFilesLocked(); // the snapshot carries no file: see AddrSpace.PrivateFiles
            int fd = lend ? HostMemory.Duplicate(_memfd) : HostMemory.CreateMemfd("usermemory-snapshot", _viewSize);
            try
            {
                List<SharedMemory> shared = [];
                Dictionary<SharedMemory, int> sharedIndex = new(ReferenceEqualityComparer.Instance);
                List<AreaTableCodec.StoredArea> stored = new(_areas.Count);
                List<(ulong FirstPage, ulong PageCount)> runs = [];
                foreach (Area area in _areas.AsSpan())
                {
                    int index = -1;
                    if (area.Shared is not null && !sharedIndex.TryGetValue(area.Shared, out index))
                    {
                        index = shared.Count;
                        sharedIndex.Add(area.Shared, index);
                        shared.Add(area.Shared);
                    }

                    stored.Add(new(area.Start, area.End, area.Flags, area.Kind, area.IsLazy, index, area.SharedOffset));
                    if (area.Shared is null)
                    {
                        CopyPopulatedRuns(area, lend ? -1 : fd, runs);
                    }
                }

                ulong[] sharedSizes = new ulong[shared.Count];
                for (int i = 0; i < shared.Count; i++)
                {
                    sharedSizes[i] = shared[i].Size;
                }

                byte[] table = AreaTableCodec.Encode(UserRange, sharedSizes, stored, runs);
                foreach (SharedMemory memory in shared)
                {
                    memory.AddReference();
                }

                return new AddrSpaceSnapshot(fd, table, shared, lend);
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

    /// <summary>Rebuilds a space from a snapshot taken by <see cref="CreateSnapshot"/>, typically in another process.
    /// The new space adopts the snapshot's memory file as its own backing (no copy), so a snapshot's memory must be
    /// restored at most once.</summary>
    /// <param name="memoryFd">The snapshot's memory descriptor; it is duplicated, the caller keeps (and should close)
    /// its own.</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared objects, in the snapshot's order (the new areas take their own
    /// references).</param>
    /// <param name="options">Tunables, or null for the defaults. The memory limit is not enforced while restoring.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="ArgumentException">The table is malformed, or the shared objects do not match it, or the
    /// snapshot needs more host mappings than <paramref name="options"/> allow.</exception>
    public static AddrSpace RestoreSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, AddrSpaceOptions? options = null)
    {
        AreaTableCodec.Decoded decoded = DecodeForRestore(areaTable, sharedMemories);
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
            space.Load(decoded, sharedMemories);
            return space;
        }
        catch
        {
            space.Dispose();
            throw;
        }
    }

    private static AddrSpaceOptions WithoutGuestView(AddrSpaceOptions options) =>
        new() { MemoryLimit = options.MemoryLimit, MaxHostMappings = options.MaxHostMappings, GuestView = false };

    /// <summary>Decodes an area table and checks the shared objects against it.</summary>
    private static AreaTableCodec.Decoded DecodeForRestore(ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories)
    {
        ArgumentNullException.ThrowIfNull(sharedMemories);
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

        return decoded;
    }

    /// <summary>Rebuilds a space from a snapshot in this process (once per snapshot). A lent snapshot
    /// (<see cref="AddrSpaceSnapshot.IsLent"/>) is borrowed (<see cref="RestoreBorrowedSnapshot"/>, the guest view
    /// turned off).</summary>
    /// <param name="snapshot">The snapshot; still to be disposed by the caller.</param>
    /// <param name="options">Tunables, or null for the defaults.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="InvalidOperationException">The snapshot was already restored.</exception>
    public static AddrSpace RestoreSnapshot(AddrSpaceSnapshot snapshot, AddrSpaceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        snapshot.MarkRestored();
        return snapshot.IsLent
            ? RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, WithoutGuestView(options ?? AddrSpaceOptions.Default), released: null)
            : RestoreSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, options);
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
    private void Load(AreaTableCodec.Decoded decoded, IReadOnlyList<SharedMemory> sharedMemories)
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
                };
                area.Shared?.AddReference();
                _areas.Replace(_areas.Count, 0, new ReadOnlySpan<Area>(in area));
                if (!TryAddHostBacking(area, out ulong populatedEnd))
                {
                    throw new InvalidOperationException("The host refused a mapping while restoring a snapshot.");
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
