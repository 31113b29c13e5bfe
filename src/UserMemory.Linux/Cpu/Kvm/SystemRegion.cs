using System;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>The host memory behind the backend's own memory slot (<see cref="SystemRegionLayout"/>): anonymous,
/// zero-filled, allocated by the host on first touch, so the large user page-table array costs only the pages that
/// hold present entries.</summary>
internal sealed class SystemRegion : IDisposable
{
    private nint _host;

    /// <summary>Maps the region.</summary>
    /// <param name="layout">Its layout.</param>
    public SystemRegion(SystemRegionLayout layout)
    {
        Layout = layout;
        _host = KvmNative.MapAnonymousMemory(layout.Size);
    }

    /// <summary>The layout.</summary>
    public SystemRegionLayout Layout { get; }

    /// <summary>The host address of the region's first byte.</summary>
    public nint HostAddress => _host;

    /// <summary>A view of the first <paramref name="count"/> 8-byte words of a page.</summary>
    /// <param name="page">The page.</param>
    /// <param name="count">Words, at most 512.</param>
    /// <returns>The view.</returns>
    public Span<ulong> Words(int page, int count) => WordsAt((ulong)page * SystemRegionLayout.PageSize, count);

    /// <summary>A view of <paramref name="count"/> 8-byte words at a byte offset.</summary>
    /// <param name="offset">The offset, 8-aligned, inside the region.</param>
    /// <param name="count">Words, ending inside the region.</param>
    /// <returns>The view.</returns>
    public Span<ulong> WordsAt(ulong offset, int count)
    {
        ObjectDisposedException.ThrowIf(_host == 0, this);
        if (offset % sizeof(ulong) != 0 || count < 0 || offset + ((ulong)count * sizeof(ulong)) > Layout.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return KvmNative.View<ulong>(_host + (nint)offset, count);
    }

    /// <summary>A view of the first <paramref name="count"/> bytes of a page.</summary>
    /// <param name="page">The page.</param>
    /// <param name="count">Bytes, ending inside the region.</param>
    /// <returns>The view.</returns>
    public Span<byte> Bytes(int page, int count)
    {
        ObjectDisposedException.ThrowIf(_host == 0, this);
        ulong offset = (ulong)page * SystemRegionLayout.PageSize;
        if (count < 0 || offset + (ulong)count > Layout.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        return KvmNative.View<byte>(_host + (nint)offset, count);
    }

    /// <summary>Returns whole pages of the region to the host (they read zero afterwards).</summary>
    /// <param name="offset">Page-aligned offset.</param>
    /// <param name="size">Page-aligned size, ending inside the region.</param>
    public void Discard(ulong offset, ulong size)
    {
        ObjectDisposedException.ThrowIf(_host == 0, this);
        if (offset % SystemRegionLayout.PageSize != 0 || size % SystemRegionLayout.PageSize != 0 || offset + size > Layout.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        KvmNative.DiscardPages(_host + (nint)offset, size);
    }

    /// <summary>Unmaps the region (call after the VM that uses it is closed).</summary>
    public void Dispose()
    {
        KvmNative.Unmap(_host, Layout.Size);
        _host = 0;
    }
}
