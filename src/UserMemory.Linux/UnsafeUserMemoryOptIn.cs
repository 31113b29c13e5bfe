using UserMemory.UnsafeAccess;

// The Linux layer hands guest memory to things other than the core: the Unicorn CPU maps the guest view
// (GuestViewBase) into its memory map, fork snapshots read and write the kernel view (KernelBase) while the
// address space is held, and the data-path syscalls (Syscalls/IoSyscalls.cs) give host read/write the kernel-view
// address of a range PrepareAccess validated, or a transient mirror of it (Kernel/GuestBufferMirror.cs). All are raw
// routes; see IHostMappedAddressSpace and GuestBufferMirror for the invariants they keep.
[assembly: RequiresUnsafeUserMemory("Unicorn memory mirror (guest view), fork snapshots (kernel view), pass-through host read/write (kernel view, mirrors)")]
