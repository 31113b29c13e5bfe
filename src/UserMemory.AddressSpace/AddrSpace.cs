using System;
using System.Collections.Generic;

namespace UserMemory.AddressSpace;

/// <summary>
/// The reference <see cref="IUserAddressSpace"/>: guest memory living in host memory at <c>base + va</c>.
/// </summary>
public sealed class AddrSpace : IUserAddressSpace, IDisposable
{
    private AddrSpace()
    {
    }

    /// <summary>Creates an empty address space whose user range is <c>[start, start + size)</c>.</summary>
    /// <param name="start">The first user address, page-aligned.</param>
    /// <param name="size">The size in bytes, page-aligned, above zero.</param>
    /// <param name="options">Tunables, or null for <see cref="AddrSpaceOptions.Default"/>.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="ArgumentException">The range is unaligned, empty or overflows (a programming error).</exception>
    public static AddrSpace Create(VirtAddr start, ulong size, AddrSpaceOptions? options = null) => throw new NotImplementedException();

    /// <summary>Rebuilds an address space from a snapshot taken by <see cref="CreateSnapshot"/>, possibly in another
    /// process.</summary>
    /// <param name="memoryFd">The snapshot's memory descriptor; it is duplicated, the caller keeps ownership.</param>
    /// <param name="areaTable">The snapshot's area table.</param>
    /// <param name="sharedMemories">The shared memory objects, in the snapshot's index order.</param>
    /// <param name="options">Tunables, or null for the defaults.</param>
    /// <returns>The address space.</returns>
    public static AddrSpace RestoreSnapshot(int memoryFd, ReadOnlySpan<byte> areaTable, IReadOnlyList<SharedMemory> sharedMemories, AddrSpaceOptions? options = null) => throw new NotImplementedException();

    /// <summary>Rebuilds an address space from a snapshot in the same process.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="options">Tunables, or null for the defaults.</param>
    /// <returns>The address space.</returns>
    public static AddrSpace RestoreSnapshot(AddrSpaceSnapshot snapshot, AddrSpaceOptions? options = null) => throw new NotImplementedException();

    /// <inheritdoc/>
    public VirtAddrRange UserRange { get; }

    /// <summary>Host address of guest address 0 in the kernel view (always readable and writable).</summary>
    public nint KernelBase { get; }

    /// <summary>Host address of guest address 0 in the guest view (protections follow the areas); 0 without one.</summary>
    public nint GuestViewBase { get; }

    /// <summary>Pages currently populated (software population bitmap), private and shared.</summary>
    public long ResidentPages => throw new NotImplementedException();

    /// <summary>Bytes of committed private memory.</summary>
    public ulong CommittedBytes => throw new NotImplementedException();

    /// <summary>The committed-memory limit.</summary>
    public ulong MemoryLimit => throw new NotImplementedException();

    /// <summary>Maps private anonymous memory.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="populate">True to commit every page now; false to populate on first access.</param>
    /// <returns>None, EINVAL, EEXIST or ENOMEM.</returns>
    public LinuxError MapAlloc(VirtAddr start, ulong size, MappingFlags flags, bool populate) => throw new NotImplementedException();

    /// <summary>Maps shared memory.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="memory">The shared object.</param>
    /// <param name="offset">Page-aligned offset inside it.</param>
    /// <returns>None, EINVAL, EEXIST or ENOMEM.</returns>
    public LinuxError MapShared(VirtAddr start, ulong size, MappingFlags flags, SharedMemory memory, ulong offset) => throw new NotImplementedException();

    /// <summary>Maps a private eager area filled with <paramref name="initialContents"/>.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">Permissions.</param>
    /// <param name="initialContents">Bytes copied to the start of the area.</param>
    /// <returns>None, EINVAL, EEXIST or ENOMEM.</returns>
    public LinuxError MapLinear(VirtAddr start, ulong size, MappingFlags flags, ReadOnlySpan<byte> initialContents) => throw new NotImplementedException();

    /// <summary>Unmaps a range.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <returns>None or EINVAL.</returns>
    public LinuxError Unmap(VirtAddr start, ulong size) => throw new NotImplementedException();

    /// <summary>Changes permissions.</summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="flags">New permissions.</param>
    /// <returns>None, EINVAL or ENOMEM.</returns>
    public LinuxError Protect(VirtAddr start, ulong size, MappingFlags flags) => throw new NotImplementedException();

    /// <summary>Finds a free range.</summary>
    /// <param name="hint">Where to start looking.</param>
    /// <param name="size">Bytes needed.</param>
    /// <param name="limit">Range the result must lie in.</param>
    /// <param name="alignment">Alignment of the result.</param>
    /// <param name="start">The start found.</param>
    /// <returns>Whether found.</returns>
    public bool TryFindFreeArea(VirtAddr hint, ulong size, VirtAddrRange limit, ulong alignment, out VirtAddr start) => throw new NotImplementedException();

    /// <summary>A snapshot of the areas, sorted.</summary>
    /// <returns>The areas.</returns>
    public IReadOnlyList<MemoryAreaInfo> GetAreas() => throw new NotImplementedException();

    /// <summary>Forks the space.</summary>
    /// <returns>The copy.</returns>
    public AddrSpace Clone() => throw new NotImplementedException();

    /// <summary>Serializes the space into file descriptors.</summary>
    /// <returns>The snapshot.</returns>
    public AddrSpaceSnapshot CreateSnapshot() => throw new NotImplementedException();

    /// <summary>Removes every area.</summary>
    public void Clear() => throw new NotImplementedException();

    /// <inheritdoc/>
    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => throw new NotImplementedException();

    /// <inheritdoc/>
    public LinuxError PopulateArea(VirtAddrRange range) => throw new NotImplementedException();

    /// <inheritdoc/>
    public bool HandlePageFault(VirtAddr address, MappingFlags access) => throw new NotImplementedException();

    /// <inheritdoc/>
    public bool IsPopulated(VirtAddr address) => throw new NotImplementedException();

    /// <inheritdoc/>
    public nuint GetKernelAddress(VirtAddr address) => throw new NotImplementedException();

    /// <inheritdoc/>
    public void EnterAccess() => throw new NotImplementedException();

    /// <inheritdoc/>
    public void ExitAccess() => throw new NotImplementedException();

    /// <inheritdoc/>
    public LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress) => throw new NotImplementedException();

    /// <inheritdoc/>
    public void Dispose() => throw new NotImplementedException();
}
