namespace UserMemory.UnsafeAccess;

/// <summary>
/// The host mappings behind an address space that keeps guest memory in host memory at <c>base + va</c>: for code that
/// has to hand guest memory to something other than the core (a CPU emulator's memory map, a hypervisor's memory
/// slots, a pass-through host syscall, a fork snapshot).
/// </summary>
/// <remarks>
/// <para>Everything here skips validation; using it needs <see cref="RequiresUnsafeUserMemoryAttribute"/> on the
/// calling code. Invariants a caller must keep:</para>
/// <list type="number">
/// <item><see cref="KernelViewBase"/> is always readable and writable and enforces nothing: touch <c>KernelViewBase + va</c>
/// only for bytes validated for that access in an access scope that is still open (the core's borrows and copies do
/// exactly this), or while holding the space so that no map, unmap or protect can run (a fork snapshot).</item>
/// <item><see cref="GuestViewBase"/> carries the guest's protections as host protections, so touching it can raise a
/// host fault: hand it only to code that turns host faults into guest faults or errnos (a CPU emulator, a host
/// syscall, which answers EFAULT). Lazy pages there are host zero-fill and do not go through the address space's
/// fault handler.</item>
/// <item><see cref="MemoryFileDescriptor"/> holds every private page at file offset <c>va</c>; it stays owned by the
/// address space (never close it) and is valid until the space is disposed. A mapping of it made elsewhere (a KVM
/// memory slot) sees the guest's bytes but none of its protections.</item>
/// <item>None of these stay meaningful after the address space is disposed.</item>
/// </list>
/// </remarks>
[RequiresUnsafeUserMemory]
public interface IHostMappedAddressSpace
{
    /// <summary>Host address of guest address 0 in the always read-write kernel view.</summary>
    nint KernelViewBase { get; }

    /// <summary>Host address of guest address 0 in the guest view (host protections follow the areas), or 0 when the
    /// space has no guest view.</summary>
    nint GuestViewBase { get; }

    /// <summary>The memory file (memfd) backing private pages at file offset <c>va</c>, or -1 when there is none.</summary>
    int MemoryFileDescriptor { get; }
}
