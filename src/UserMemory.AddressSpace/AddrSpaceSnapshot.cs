using System;
using System.Collections.Generic;

namespace UserMemory.AddressSpace;

/// <summary>
/// A whole address space frozen into file descriptors, so that another process can rebuild it (fork by spawning):
/// <see cref="MemoryFd"/> holds the private contents at guest offsets (sparse: holes read as zero),
/// <see cref="AreaTable"/> describes areas and populated pages, and <see cref="SharedMemories"/> lists the shared
/// objects the table refers to by index. Rebuild with <see cref="AddrSpace.RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, AddrSpaceOptions?)"/>.
/// </summary>
public sealed class AddrSpaceSnapshot : IDisposable
{
    internal AddrSpaceSnapshot(int memoryFd, byte[] areaTable, IReadOnlyList<SharedMemory> sharedMemories)
    {
        MemoryFd = memoryFd;
        AreaTable = areaTable;
        SharedMemories = sharedMemories;
    }

    /// <summary>A memfd (close-on-exec) with the private contents: the byte at guest address <c>va</c> is at file
    /// offset <c>va</c>.</summary>
    public int MemoryFd { get; }

    /// <summary>The serialized description of areas and population; opaque, versioned.</summary>
    public byte[] AreaTable { get; }

    /// <summary>The shared memory objects the area table refers to, in index order (references owned by this
    /// snapshot).</summary>
    public IReadOnlyList<SharedMemory> SharedMemories { get; }

    /// <summary>Closes <see cref="MemoryFd"/> and drops the references to the shared memory objects.</summary>
    public void Dispose() => throw new NotImplementedException();
}
