using System;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// A shared-memory object: a memfd whose pages appear, through <see cref="AddrSpace.MapShared"/>, in every address
/// space (and process) that maps it. The counterpart of a <c>MAP_SHARED</c> mapping or a SysV/POSIX segment.
/// </summary>
/// <remarks>Each area mapping it (and each snapshot listing it) holds a reference, so disposing this object while
/// areas still map it only drops the caller's reference; the memfd is closed when the last reference goes.</remarks>
public sealed class SharedMemory : IDisposable
{
    private int _references = 1;
    private int _disposed;

    private SharedMemory(int fd, ulong size)
    {
        Fd = fd;
        Size = size;
    }

    /// <summary>Creates zero-filled shared memory of <paramref name="size"/> bytes (a multiple of 4 KiB, above 0).</summary>
    /// <param name="size">The size in bytes.</param>
    /// <returns>The object; dispose it.</returns>
    /// <exception cref="ArgumentException">The size is zero or not page-aligned.</exception>
    public static SharedMemory Create(ulong size)
    {
        if (size == 0 || !Pages.IsAligned4K(size) || size > long.MaxValue)
        {
            throw new ArgumentException("Shared memory needs a page-aligned size above zero.", nameof(size));
        }

        return new SharedMemory(HostMemory.CreateMemfd("usermemory-shared", size), size);
    }

    /// <summary>Adopts a memfd (or any shareable, mappable descriptor) received from another process; takes
    /// ownership of it.</summary>
    /// <param name="fd">The descriptor; closed when the object's last reference goes.</param>
    /// <returns>The object; its size is the file's size.</returns>
    /// <exception cref="ArgumentException">The descriptor is negative or its size is not page-aligned.</exception>
    public static SharedMemory Adopt(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        ulong size = HostMemory.FileSize(fd);
        if (size == 0 || !Pages.IsAligned4K(size))
        {
            throw new ArgumentException("The file's size must be page-aligned and above zero.", nameof(fd));
        }

        return new SharedMemory(fd, size);
    }

    /// <summary>The size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The memfd descriptor (close-on-exec; pass it to another process explicitly). Valid while any
    /// reference remains.</summary>
    public int Fd { get; }

    /// <summary>Drops the caller's reference (idempotent).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>Takes a reference for an area or a snapshot.</summary>
    /// <exception cref="ObjectDisposedException">The last reference is gone.</exception>
    internal void AddReference()
    {
        int current = Volatile.Read(ref _references);
        while (true)
        {
            ObjectDisposedException.ThrowIf(current == 0, this);
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Drops a reference; closes the memfd with the last one.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            HostMemory.Close(Fd);
        }
    }
}
