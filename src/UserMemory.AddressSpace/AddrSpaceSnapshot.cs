using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// A whole address space frozen into file descriptors, so that another process can rebuild it (fork by spawning):
/// <see cref="MemoryFd"/> holds the private contents at guest offsets (sparse: holes read as zero),
/// <see cref="AreaTable"/> describes areas and populated pages, <see cref="SharedMemories"/> lists the shared
/// objects and <see cref="FileDescriptors"/> the files of private file mappings the table refers to by index. Made by
/// <see cref="AddrSpace.CreateSnapshot"/>; rebuilt with
/// <see cref="AddrSpace.RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?)"/>.
/// </summary>
public sealed class AddrSpaceSnapshot : IDisposable
{
    private int _disposed;
    private int _restored;

    internal AddrSpaceSnapshot(int memoryFd, byte[] areaTable, IReadOnlyList<SharedMemory> sharedMemories, IReadOnlyList<FileSource> files, bool lent)
    {
        MemoryFd = memoryFd;
        AreaTable = areaTable;
        SharedMemories = sharedMemories;
        Files = files;
        int[] descriptors = new int[files.Count];
        for (int i = 0; i < descriptors.Length; i++)
        {
            descriptors[i] = files[i].Fd;
        }

        FileDescriptors = descriptors;
        IsLent = lent;
    }

    /// <summary>Whether <see cref="MemoryFd"/> is the lender's own memory file (<see cref="AddrSpace.CreateLendingSnapshot(bool)"/>),
    /// to be borrowed copy-on-write (<see cref="AddrSpace.RestoreBorrowedSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?, Action?)"/>), rather than a copy to adopt.</summary>
    public bool IsLent { get; }

    /// <summary>A memfd (close-on-exec) with the private contents: the byte at guest address <c>va</c> is at file
    /// offset <c>va</c>. Whoever restores the snapshot adopts this file as its backing.</summary>
    public int MemoryFd { get; }

    /// <summary>The serialized description of areas and population; opaque and versioned.</summary>
#pragma warning disable CA1819 // The table is a byte blob meant to be written to a pipe or file as is.
    public byte[] AreaTable { get; }
#pragma warning restore CA1819

    /// <summary>The shared memory objects the area table refers to, in index order (this snapshot holds a reference
    /// on each until disposed).</summary>
    public IReadOnlyList<SharedMemory> SharedMemories { get; }

    /// <summary>The host files that the private file mappings (<c>MAP_PRIVATE</c> of a regular file) read their pages
    /// from on first touch, in the area table's index order: read-only, close-on-exec descriptors owned by the space
    /// (this snapshot holds a reference on each until disposed; never close them). Pages of those areas that were
    /// populated are in <see cref="MemoryFd"/> like any private page; the restored space reads the others from these
    /// files when first touched, and faults past a file's end as the original does.</summary>
    public IReadOnlyList<int> FileDescriptors { get; }

    /// <summary>The sources behind <see cref="FileDescriptors"/>, in the same order.</summary>
    internal IReadOnlyList<FileSource> Files { get; }

    /// <summary>Closes <see cref="MemoryFd"/> and drops the references to the shared memory objects and private files.
    /// Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        HostMemory.Close(MemoryFd);
        foreach (SharedMemory memory in SharedMemories)
        {
            memory.Release();
        }

        foreach (FileSource file in Files)
        {
            file.Release();
        }
    }

    internal void MarkRestored()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _restored, 1) != 0)
        {
            throw new InvalidOperationException("A snapshot's memory can be restored only once: the restored space adopts it.");
        }
    }
}
