using UserMemory.UnsafeAccess;

// The Linux layer hands guest memory to things other than the core: the Unicorn CPU maps the guest view
// (GuestViewBase) into its memory map, and fork snapshots read and write the kernel view (KernelBase) while the
// address space is held. Both are raw routes; see IHostMappedAddressSpace for the invariants they keep.
[assembly: RequiresUnsafeUserMemory("Unicorn memory mirror (guest view) and fork snapshots (kernel view)")]
