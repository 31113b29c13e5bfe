using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// A whole address space frozen into file descriptors, so that another process can rebuild it (fork by spawning):
/// <see cref="MemoryFd"/> holds the private contents at guest offsets (sparse: holes read as zero),
/// <see cref="AreaTable"/> describes areas and populated pages, and <see cref="SharedMemories"/> lists the shared
/// objects the table refers to by index. Made by <see cref="AddrSpace.CreateSnapshot"/>; rebuilt with
/// <see cref="AddrSpace.RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, AddrSpaceOptions?)"/>.
/// </summary>
public sealed class AddrSpaceSnapshot : IDisposable
{
    private int _disposed;
    private int _restored;

    internal AddrSpaceSnapshot(int memoryFd, byte[] areaTable, IReadOnlyList<SharedMemory> sharedMemories, bool lent)
    {
        MemoryFd = memoryFd;
        AreaTable = areaTable;
        SharedMemories = sharedMemories;
        IsLent = lent;
    }

    /// <summary>Whether <see cref="MemoryFd"/> is the lender's own memory file (<see cref="AddrSpace.CreateLendingSnapshot"/>),
    /// to be borrowed copy-on-write (<see cref="AddrSpace.RestoreBorrowedSnapshot"/>), rather than a copy to adopt.</summary>
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

    /// <summary>Closes <see cref="MemoryFd"/> and drops the references to the shared memory objects. Idempotent.</summary>
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
