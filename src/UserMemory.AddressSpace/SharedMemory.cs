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

    /// <summary>The <see cref="Size"/> of a file-backed object: the largest page-aligned file offset, since a file
    /// mapping may extend past the file's current end (those pages fault with SIGBUS until the file grows).</summary>
    internal const ulong FileMappingLimit = (ulong)long.MaxValue & ~Pages.OffsetMask4K;

    private SharedMemory(int fd, ulong size, bool isFile, bool isWritable)
    {
        Fd = fd;
        Size = size;
        IsFile = isFile;
        IsWritable = isWritable;
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

        return new SharedMemory(HostMemory.CreateMemfd("usermemory-shared", size), size, isFile: false, isWritable: true);
    }

    /// <summary>
    /// A shared object for a <c>MAP_SHARED</c> mapping of a host file: the file itself is mapped into the views, so
    /// stores reach the file (and every other process mapping or reading it) at once. Only whole pages below the
    /// file's end are mapped; pages past it are left inaccessible and fault (SIGBUS for a CPU, EFAULT for the core)
    /// until the file grows. The object takes a close-on-exec duplicate of <paramref name="fd"/>; the caller keeps its
    /// own descriptor.
    /// </summary>
    /// <param name="fd">A descriptor open for reading (and writing when <paramref name="writable"/>) on a mappable
    /// file. It must be the descriptor the guest mapped, never one opened for it by path.</param>
    /// <param name="writable">Whether the descriptor is open for writing: the kernel view maps the file read-write,
    /// else read-only (and the caller must refuse writable mappings, as Linux does with EACCES).</param>
    /// <returns>The object; dispose it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The descriptor cannot be duplicated (closed, or the host is out of
    /// descriptors).</exception>
    internal static SharedMemory ForFile(int fd, bool writable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new SharedMemory(HostMemory.Duplicate(fd), FileMappingLimit, isFile: true, isWritable: writable);
    }

    /// <summary>Adopts a file descriptor received from another process for a file-backed object (see
    /// <see cref="ForFile"/>); takes ownership of it.</summary>
    /// <param name="fd">The descriptor; closed when the object's last reference goes.</param>
    /// <param name="writable">Whether it is open for writing.</param>
    /// <returns>The object.</returns>
    internal static SharedMemory AdoptFile(int fd, bool writable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new SharedMemory(fd, FileMappingLimit, isFile: true, isWritable: writable);
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

        return new SharedMemory(fd, size, isFile: false, isWritable: true);
    }

    /// <summary>The size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The memfd descriptor (close-on-exec; pass it to another process explicitly). Valid while any
    /// reference remains.</summary>
    public int Fd { get; }

    /// <summary>True for a host file (<see cref="ForFile"/>), whose size can change under the mapping; false for a
    /// memfd of fixed <see cref="Size"/>.</summary>
    internal bool IsFile { get; }

    /// <summary>Whether the host descriptor is open for writing (always true for anonymous shared memory).</summary>
    internal bool IsWritable { get; }

    /// <summary>Serializes mapping more of a file as it grows (<see cref="AddrSpace"/> population under its shared
    /// lock).</summary>
    internal object GrowLock { get; } = new();

    /// <summary>The file's current size rounded up to whole pages: file offsets below it may be mapped without the
    /// host raising SIGBUS on access (while nobody truncates the file). For memfd objects, <see cref="Size"/>.</summary>
    /// <returns>The mappable end, or 0 when the size cannot be read.</returns>
    internal ulong MappableEnd()
    {
        if (!IsFile)
        {
            return Size;
        }

        long size = HostMemory.TryFileSize(Fd);
        return size <= 0 ? 0 : Math.Min(Pages.AlignDown4K((ulong)size + Pages.OffsetMask4K), FileMappingLimit);
    }

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
