using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// Fork without copying: the parent lends its memory file and the child reads it copy-on-write until it takes its own
/// copy (or never does, when it execs or exits first).
/// </summary>
/// <remarks>
/// <para>The lender (<see cref="CreateLendingSnapshot(bool)"/>) hands out its own memfd instead of a copy. Until every
/// borrower has released it, the lender must not change: no guest store, no mapping change. The caller enforces that
/// (a forking parent waits, as a <c>vfork</c> parent does).</para>
/// <para>The borrower (<see cref="RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>) maps the lent file <c>MAP_PRIVATE</c> as its kernel view:
/// reads see the lender's pages, stores get private host copies, and the lent file never changes. The borrower's own
/// memfd stays empty while it borrows. Everything that needs the memfd to be the truth (a mapping change, a snapshot,
/// a host-backing query) first calls <see cref="ReleaseBorrowedMemory"/>, which copies the pages that hold data (the
/// lender's data extents, and the pages this process wrote, found in <c>/proc/self/pagemap</c>) into the own memfd,
/// maps the own memfd shared over every private part of the view, closes the lent file and reports the release.
/// Only the kernel view may exist while borrowing (<see cref="AddrSpaceOptions.GuestView"/> off): a second private
/// mapping would keep its own copies.</para>
/// </remarks>
public sealed partial class AddrSpace
{
    /// <summary>Pages of page-map entries read at once while releasing.</summary>
    private const int PageMapChunk = 512;

    private int _borrowedFd = -1;
    private Action? _released;

    /// <summary>Whether the space still reads a lender's memory (<see cref="RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>) rather than its
    /// own memfd.</summary>
    public bool IsBorrowingMemory => Volatile.Read(ref _borrowedFd) >= 0;

    /// <summary>
    /// Freezes the space into a snapshot that lends this space's own memory file instead of copying it, for a fork
    /// (the fork advice applies: see <see cref="CreateLendingSnapshot(bool)"/>).
    /// </summary>
    /// <returns>The snapshot (<see cref="AddrSpaceSnapshot.IsLent"/>); dispose it once handed over.</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">This space was itself borrowing and the host ran out of memory
    /// while it took its own copy first.</exception>
    public AddrSpaceSnapshot CreateLendingSnapshot() => CreateLendingSnapshot(vfork: false);

    /// <summary>
    /// Freezes the space into a snapshot that lends this space's own memory file instead of copying it: no page is
    /// copied, so the cost grows with the number of areas and populated runs, not with the bytes written. Restore it with
    /// <see cref="RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>
    /// (or <see cref="RestoreSnapshot(AddrSpaceSnapshot, AddrSpaceOptions?)"/>, which borrows for a lent snapshot).
    /// </summary>
    /// <param name="vfork">True for a <c>vfork</c>, whose child shares the parent's memory on Linux: the fork advice
    /// does not apply, every area goes to the child as it is. False for a fork: <c>MADV_DONTFORK</c> areas are left out
    /// and <c>MADV_WIPEONFORK</c> areas read zero in the borrower (see <see cref="AdviseFork"/>).</param>
    /// <returns>The snapshot (<see cref="AddrSpaceSnapshot.IsLent"/>); dispose it once handed over.</returns>
    /// <remarks>The caller must keep this space unchanged (no store through either view, no map, unmap, protect or
    /// clear) until every space restored from the snapshot has released the memory
    /// (<see cref="ReleaseBorrowedMemory"/>, its release callback, or its process ending): a borrower reads the lent
    /// pages it has not copied yet straight from the file.</remarks>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">This space was itself borrowing and the host ran out of memory
    /// while it took its own copy first.</exception>
    public AddrSpaceSnapshot CreateLendingSnapshot(bool vfork) => BuildSnapshot(lend: true, applyForkAdvice: !vfork);

    /// <summary>Rebuilds a space from a lending snapshot that lists no private file (see
    /// <see cref="RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>).</summary>
    /// <param name="memoryFd">The lent memory descriptor; duplicated (the caller keeps and closes its own).</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared objects, in the snapshot's order.</param>
    /// <param name="options">Tunables, or null for the defaults; <see cref="AddrSpaceOptions.GuestView"/> must be off.</param>
    /// <param name="released">Called once when the space stops reading the lent file, or null.</param>
    /// <returns>The address space, borrowing (<see cref="IsBorrowingMemory"/>); dispose it.</returns>
    /// <exception cref="ArgumentException">The table is malformed or lists private files, the shared objects do not
    /// match it, or the options ask for a guest view.</exception>
    public static AddrSpace RestoreBorrowedSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, AddrSpaceOptions? options, Action? released) =>
        RestoreBorrowedSnapshot(memoryFd, areaTable, sharedMemories, [], options, released);

    /// <summary>
    /// Rebuilds a space from a snapshot made by <see cref="CreateLendingSnapshot(bool)"/>, copy-on-write: the kernel
    /// view is a private mapping of the lent file, so nothing is copied now and the lent file never changes.
    /// </summary>
    /// <param name="memoryFd">The lent memory descriptor; duplicated (the caller keeps and closes its own).</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared objects, in the snapshot's order.</param>
    /// <param name="fileDescriptors">Descriptors of the private files (<see cref="AddrSpaceSnapshot.FileDescriptors"/>),
    /// in the snapshot's order; each is duplicated (close-on-exec), the caller keeps (and should close) its own.</param>
    /// <param name="options">Tunables, or null for the defaults; <see cref="AddrSpaceOptions.GuestView"/> must be off.</param>
    /// <param name="released">Called once, under the space's exclusive lock, when the space stops reading the lent
    /// file (released, cleared or disposed), or null.</param>
    /// <returns>The address space, borrowing (<see cref="IsBorrowingMemory"/>); dispose it.</returns>
    /// <exception cref="ArgumentException">The table is malformed, the shared objects or files do not match it, or the
    /// options ask for a guest view.</exception>
    public static AddrSpace RestoreBorrowedSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<int> fileDescriptors, AddrSpaceOptions? options, Action? released)
    {
        AreaTableCodec.Decoded decoded = DecodeForRestore(areaTable, sharedMemories, fileDescriptors);
        FileSource[] files = DuplicateFiles(decoded, fileDescriptors);
        try
        {
            return RestoreBorrowed(memoryFd, decoded, sharedMemories, files, options, released);
        }
        finally
        {
            ReleaseAll(files); // the areas hold their own references
        }
    }

    /// <summary>Restores a decoded lending snapshot.</summary>
    private static AddrSpace RestoreBorrowed(int memoryFd, AreaTableCodec.Decoded decoded, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<FileSource> files, AddrSpaceOptions? options, Action? released)
    {
        options = ValidateOptions(options);
        if (options.GuestView)
        {
            throw new ArgumentException("A borrowing space has only the kernel view: turn GuestView off.", nameof(options));
        }

        int borrowed = HostMemory.Duplicate(memoryFd);
        if (HostMemory.FileSize(borrowed) < decoded.UserRange.End.Value)
        {
            HostMemory.Close(borrowed);
            throw new ArgumentException("The memory file is smaller than the snapshot's address space.", nameof(memoryFd));
        }

        int own;
        try
        {
            own = HostMemory.CreateMemfd("usermemory-space", decoded.UserRange.End.Value);
        }
        catch
        {
            HostMemory.Close(borrowed);
            throw;
        }

        AddrSpace space = new(decoded.UserRange, options, own, borrowed) { _released = released };
        try
        {
            space.Load(decoded, sharedMemories, files);
            return space;
        }
        catch
        {
            space._released = null;
            space.Dispose();
            throw;
        }
    }

    /// <summary>The starts of the areas a fork wiped (<c>MADV_WIPEONFORK</c>) while this space borrows, in order: their
    /// part of the kernel view shows the own memfd (zero), never the lender's pages, and they are not copied on
    /// release. Valid while borrowing (every area change ends borrowing first).</summary>
    private List<ulong>? _wipedWhileBorrowing;

    /// <summary>While loading a borrowed snapshot: makes a wiped area's part of the kernel view show the own memfd,
    /// so that its pages read zero instead of the lender's. A plain restore needs nothing: its memory file holds no
    /// page there.</summary>
    private void HideLentMemory(in Area area)
    {
        if (_borrowedFd < 0)
        {
            return;
        }

        MapOwnMemory(area.Start, area.End);
        (_wipedWhileBorrowing ??= []).Add(area.Start);
    }

    /// <summary>
    /// Stops borrowing: copies the pages that hold data into this space's own memfd, makes the view show it and closes
    /// the lent file. Does nothing when the space is not borrowing. Costs one copy of the written pages, as an eager
    /// fork would have.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <exception cref="InsufficientMemoryException">The host ran out of memory while copying; the space still
    /// borrows.</exception>
    public void ReleaseBorrowedMemory()
    {
        if (!IsBorrowingMemory)
        {
            return;
        }

        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>Under the exclusive lock: ends borrowing, copying the contents first when <paramref name="copy"/>
    /// (they are about to be discarded otherwise), then reports the release.</summary>
    private void EndBorrowingLocked(bool copy)
    {
        int borrowed = _borrowedFd;
        if (borrowed < 0)
        {
            return;
        }

        if (copy)
        {
            CopyBorrowedContents(borrowed);
            MapOwnMemoryOverPrivateParts();
        }
        else
        {
            // The caller clears every area next (and maps shared areas no more).
            ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase, _viewSize, Libc.ProtRead | Libc.ProtWrite, _memfd, 0), "mmap");
        }

        Volatile.Write(ref _borrowedFd, -1);
        _wipedWhileBorrowing = null;
        HostMemory.Close(borrowed);
        Action? released = _released;
        _released = null;
        released?.Invoke();
    }

    /// <summary>Copies every populated private page that holds data (the lent file's data, or a page this process
    /// wrote) from the view to the own memfd.</summary>
    private void CopyBorrowedContents(int borrowed)
    {
        int pageMap = HostMemory.TryOpenPageMap(); // without it, every page in the lent file's holes is copied
        try
        {
            foreach (Area area in _areas.AsSpan())
            {
                if (area.Shared is not null || (_wipedWhileBorrowing is { } wiped && wiped.BinarySearch(area.Start) >= 0))
                {
                    continue; // shared pages, or a wiped area's: already in the own memfd
                }

                ulong page = area.Start >> Pages.Shift4K;
                while (_bitmap.TryFindRun(ref page, area.End >> Pages.Shift4K, out ulong runStart, out ulong runEnd))
                {
                    CopyBorrowedRun(borrowed, pageMap, runStart << Pages.Shift4K, runEnd << Pages.Shift4K);
                }
            }
        }
        finally
        {
            HostMemory.Close(pageMap);
        }
    }

    /// <summary>Copies <c>[from, to)</c>: the lent file's data extents whole, and in its holes the pages this process
    /// wrote (private copies in the page map).</summary>
    private void CopyBorrowedRun(int borrowed, int pageMap, ulong from, ulong to)
    {
        ulong offset = from;
        while (HostMemory.TryFindDataExtent(borrowed, offset, to, out ulong dataStart, out ulong dataEnd))
        {
            CopyPrivatePages(pageMap, offset, dataStart);
            WriteView(_memfd, dataStart, dataEnd);
            offset = dataEnd;
        }

        CopyPrivatePages(pageMap, offset, to);
    }

    /// <summary>Copies the pages of <c>[from, to)</c> that the page map shows as this process's private copies (all of
    /// them when the page map cannot be read: zero pages copied are harmless).</summary>
    private void CopyPrivatePages(int pageMap, ulong from, ulong to)
    {
        Span<ulong> entries = stackalloc ulong[PageMapChunk];
        ulong page = from;
        while (page < to)
        {
            int count = (int)Math.Min((ulong)PageMapChunk, (to - page) >> Pages.Shift4K);
            Span<ulong> chunk = entries[..count];
            if (pageMap < 0 || !HostMemory.TryReadPageMap(pageMap, KernelBase + (nint)page, chunk))
            {
                chunk.Fill(HostMemory.PageMapPresent); // unknown: treat every page as written
            }

            int i = 0;
            while (i < count)
            {
                if (!IsPrivateCopy(chunk[i]))
                {
                    i++;
                    continue;
                }

                int first = i;
                while (i < count && IsPrivateCopy(chunk[i]))
                {
                    i++;
                }

                WriteView(_memfd, page + ((ulong)first << Pages.Shift4K), page + ((ulong)i << Pages.Shift4K));
            }

            page += (ulong)count << Pages.Shift4K;
        }
    }

    private static bool IsPrivateCopy(ulong entry) =>
        (entry & (HostMemory.PageMapPresent | HostMemory.PageMapSwapped)) != 0 && (entry & HostMemory.PageMapFileOrShared) == 0;

    /// <summary>Maps the own memfd, shared, over every part of the view that no shared area covers (shared areas keep
    /// their mappings).</summary>
    private void MapOwnMemoryOverPrivateParts()
    {
        ulong gapStart = 0;
        foreach (Area area in _areas.AsSpan())
        {
            if (area.Shared is null)
            {
                continue;
            }

            MapOwnMemory(gapStart, area.Start);
            gapStart = area.End;
        }

        MapOwnMemory(gapStart, _viewSize);
    }

    private void MapOwnMemory(ulong from, ulong to)
    {
        if (from < to)
        {
            ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase + (nint)from, to - from, Libc.ProtRead | Libc.ProtWrite, _memfd, from), "mmap");
        }
    }

    /// <summary>Throws when a caller needs the memfd to hold the contents while the space borrows.</summary>
    private void ThrowIfBorrowing()
    {
        if (IsBorrowingMemory)
        {
            throw new InvalidOperationException("The space borrows a lent snapshot's memory: call ReleaseBorrowedMemory first.");
        }
    }
}
