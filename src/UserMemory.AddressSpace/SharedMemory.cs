using System;

namespace UserMemory.AddressSpace;

/// <summary>
/// A shared-memory object: a memfd whose pages appear, through <see cref="AddrSpace.MapShared"/>, in every address
/// space (and process) that maps it. The counterpart of a <c>MAP_SHARED</c> mapping or a SysV/POSIX segment.
/// </summary>
/// <remarks>Each area mapping it holds a reference, so disposing this object while areas still map it only drops the
/// caller's reference; the memfd is closed when the last reference goes.</remarks>
public sealed class SharedMemory : IDisposable
{
    private SharedMemory(int fd, ulong size)
    {
        Fd = fd;
        Size = size;
    }

    /// <summary>Creates zero-filled shared memory of <paramref name="size"/> bytes (a multiple of 4 KiB, above 0).</summary>
    /// <param name="size">The size in bytes.</param>
    /// <returns>The object; dispose it.</returns>
    public static SharedMemory Create(ulong size) => throw new NotImplementedException();

    /// <summary>Adopts a memfd (or any shareable file descriptor) received from another process; takes ownership.</summary>
    /// <param name="fd">The descriptor; closed when the object's last reference goes.</param>
    /// <returns>The object; its size is the file's size.</returns>
    public static SharedMemory Adopt(int fd) => throw new NotImplementedException();

    /// <summary>The size in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The memfd descriptor (close-on-exec; pass it to another process explicitly).</summary>
    public int Fd { get; }

    /// <summary>Drops the caller's reference.</summary>
    public void Dispose() => throw new NotImplementedException();
}
