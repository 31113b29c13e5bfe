using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// One KVM virtual machine for one guest address space: its memory slots, its page tables and its vCPUs (one per
/// task).
/// </summary>
/// <remarks>
/// <para><b>Memory slots.</b> User memory is the address space's kernel view (its memfd mapped read-write at
/// <see cref="AddrSpace.KernelBase"/>), registered at guest-physical 0 in slots of one GiB each, the first time an
/// entry in that GiB becomes present (<see cref="EnsureUserSlot"/>), so guest-physical equals guest-virtual for user
/// memory; shared areas mapped over that view are picked up by KVM through the host's page tables. The slot after
/// the user slots is the backend's own region (<see cref="SystemRegionLayout"/>) at the first GiB boundary above the
/// user range.</para>
/// <para><b>Page tables.</b> See <see cref="GuestPageTables"/>. The address space's own checks decide everything:
/// a guest page fault calls <see cref="AddrSpace.HandlePageFault"/> (which populates and counts against the memory
/// limit) and only then makes the entry present. Whoever changes areas (map, unmap, protect, clear) must call
/// <see cref="InvalidateRange"/> (or, for the <c>ICpu</c> adapter, <see cref="RefreshRange"/>) afterwards, which clears the
/// entries and makes every vCPU drop them from its TLB before it runs guest code again.</para>
/// <para><b>Shadow paging.</b> Under PVM (or EPT/NPT off), KVM keeps its own copy of present entries and ignores the
/// host's edits of our tables, <c>invlpg</c> and CR3 reloads (it resyncs only tables the guest itself wrote); measured
/// on a PVM host, a reader thread kept reading an unmapped page for as long as it kept looping. What it honours are
/// the host's MMU notifiers, so every change that took something from a present entry ends with
/// <see cref="DropShadowEntries"/> over the pages concerned (one <c>madvise</c>; a reset of the user slots,
/// <see cref="ShadowResets"/>, only if that fails). The memfd hole an unmap punches is not enough on its own: it comes
/// before our entries are cleared, and a vCPU touching the page in between re-creates KVM's entry.</para>
/// <para><b>Several vCPUs.</b> One vCPU per thread of the process, each on its own host thread, in parallel. Each
/// owns a slot of the system region (TSS, ring-0 and IST stacks, invalidation list); the GDT, IDT, stub and page
/// tables are shared. KVM cannot destroy a vCPU before its VM, so a vCPU whose thread ended goes back to a pool
/// (<see cref="ReleaseVcpu"/>) and serves the next thread; at most <see cref="SystemRegionLayout.MaxVcpus"/> run at
/// once.</para>
/// <para><b>TLB coherence (the invariant).</b> When <see cref="InvalidateRange"/> or <see cref="RefreshRange"/>
/// returns, no vCPU can run user code through an entry they dropped or weakened. Only pages whose entry was present
/// can be held anywhere (x86 caches no not-present entry, and the upper levels never change), so a change that found
/// none costs nothing. Otherwise, with hardware paging (EPT/NPT): the pages were queued on every vCPU's own list
/// under the vCPU lock, the generation was raised (a full fence), and every vCPU that was in the guest with an older
/// generation was kicked out and has left <c>KVM_RUN</c> (<see cref="KvmVcpu.WaitUntilFlushed"/>); its next entry
/// runs its list (<c>invlpg</c> each, a CR3 reload past <see cref="KernelStub.MaxInvalidations"/>) before user code;
/// vCPUs outside the guest are not kicked. With shadow paging: KVM's zap (<see cref="DropShadowEntries"/>) removed
/// its entries of those pages and flushed every vCPU's TLB before returning, so no kick or flush of ours is
/// needed. So munmap, mprotect and the reuse of a range happen only after every other
/// thread's stale translations are gone, as Linux's TLB shootdown ensures. (Guest-physical equals guest-virtual, so a
/// stale entry could only ever reach the same address's memory, never another's; the wait is for the guest's
/// semantics: an access after munmap or mprotect returned faults on every thread.)</para>
/// <para><b>Page faults</b> from several vCPUs at once go through the address space's own locking
/// (<see cref="AddrSpace.EnterAccess"/> around every entry computed from its areas).</para>
/// </remarks>
public sealed class KvmVirtualMachine : IDisposable
{
    /// <summary>The device path.</summary>
    public const string DevicePath = "/dev/kvm";

    /// <summary>The most pages <see cref="RefreshRange"/> brings in line one by one.</summary>
    public const int RefreshPageLimit = 64;

    /// <summary>Pages of the aligned window a resolved page fault also maps, where they are already populated (see
    /// <see cref="MapPopulatedNeighbours"/>).</summary>
    internal const int FaultAroundPages = 64;

    /// <summary>The smaller window tried when the whole <see cref="FaultAroundPages"/> window does not lie in areas
    /// with the faulting page's permissions (a small mapping, a guard page).</summary>
    internal const int NarrowFaultAroundPages = 16;

    /// <summary>An upper bound on the memory slots this backend registers (KVM's limit is 2^31 - 1 pages); user
    /// memory goes in slots of one GiB.</summary>
    public const ulong MaxSlotBytes = 1UL << 42;

    /// <summary>The size of the slots user memory is registered in, each on first use (see
    /// <see cref="EnsureUserSlot"/>): 64 MiB, so a 64 GiB user range needs at most 1 024 slots, far below KVM's
    /// 32 764.</summary>
    internal const ulong UserSlotBytes = 64UL << 20;

    private const uint ErrnoNotFound = 2;
    private readonly object _vcpuGate = new();
    private readonly List<KvmVcpu> _vcpus = [];
    private readonly Stack<KvmVcpu> _idleVcpus = new();
    private readonly SystemRegion _region;
    private readonly GuestPageTables _pageTables;
    private readonly int _kvmFd;
    private KvmVcpu[] _activeVcpus = [];
    private int _vcpusCreated;
    private int _vmFd;
    private long _tlbGeneration;
    private long _shadowResets;
    private long _shadowZaps;
    private long _faultAroundPages;
    private int _owners = 1;
    private int _slotResetting;
    private readonly object _slotGate = new();
    private bool[] _userSlotRegistered = [];

    private KvmVirtualMachine(AddrSpace space, int kvmFd, int vmFd)
    {
        Space = space;
        _kvmFd = kvmFd;
        _vmFd = vmFd;
        try
        {
            int mmapSize = KvmNative.Ioctl(kvmFd, KvmAbi.GetVcpuMmapSize, 0);
            if (mmapSize < KvmAbi.RunMinimumSize)
            {
                throw new InvalidOperationException($"KVM_GET_VCPU_MMAP_SIZE answered {mmapSize}.");
            }

            VcpuMmapSize = mmapSize;
            Cpuid = GuestCpuid.FromKvm(kvmFd);
            Layout = new SystemRegionLayout(space.UserRange.End.Value);
            if (Cpuid.PhysicalAddressBits > 0 && Layout.Base + Layout.Size > 1UL << Cpuid.PhysicalAddressBits)
            {
                throw new InvalidOperationException("The guest's physical address width cannot hold the user range.");
            }

            _region = new SystemRegion(Layout);
            _userSlotRegistered = new bool[(Layout.UserEnd + UserSlotBytes - 1) / UserSlotBytes];
            Stub = new KernelStub(Layout.PageAddress(SystemRegionLayout.StubPage), Layout.PageAddress(SystemRegionLayout.ExceptionCodePage), SystemRegionLayout.InvalidationListBelowStackTop);
            Stub.SyscallCode.CopyTo(_region.Bytes(SystemRegionLayout.StubPage, Stub.SyscallCode.Length));
            Stub.ExceptionCode.CopyTo(_region.Bytes(SystemRegionLayout.ExceptionCodePage, Stub.ExceptionCode.Length));
            DescriptorTables.Write(_region, Layout, Stub);
            _pageTables = new GuestPageTables(_region);
            RegisterSlots();
        }
        catch
        {
            _region?.Dispose();
            KvmNative.Close(vmFd);
            throw;
        }
    }

    /// <summary>The guest address space.</summary>
    public AddrSpace Space { get; }

    /// <summary>What the guest's CPUID says, in one line (for reports and <c>--cpu</c> diagnostics).</summary>
    public string CpuidDescription => Cpuid.Describe();

    /// <summary>Bumped by every <see cref="InvalidateRange"/>; a vCPU that has seen an older value flushes its TLB
    /// before running guest code.</summary>
    public long TlbGeneration => Interlocked.Read(ref _tlbGeneration);

    /// <summary>Whether this host's KVM shadows the guest's page tables in software (PVM, or EPT/NPT off): then a
    /// permission reduction on present pages costs a reset of the user memory slots.</summary>
    public bool ShadowPaging { get; } = KvmHostFacts.UsesShadowPaging();

    /// <summary>Whether the backend resolves allowed page faults itself (see <see cref="Create"/>).</summary>
    public bool ResolvesPageFaults { get; private init; } = true;

    /// <summary>How many times the user slots were reset for a shadow-paging KVM.</summary>
    public long ShadowResets => Interlocked.Read(ref _shadowResets);

    /// <summary>How many times a shadow-paging KVM was made to drop its entries of a changed range (see
    /// <see cref="DropShadowEntries"/>).</summary>
    internal long ShadowZaps => Interlocked.Read(ref _shadowZaps);

    /// <summary>Pages a resolved fault mapped besides its own (see <see cref="MapPopulatedNeighbours"/>).</summary>
    internal long FaultAroundMappedPages => Interlocked.Read(ref _faultAroundPages);

    internal GuestCpuid Cpuid { get; }

    internal SystemRegionLayout Layout { get; }

    internal KernelStub Stub { get; }

    internal GuestPageTables PageTables => _pageTables;

    internal SystemRegion Region => _region;

    internal int VcpuMmapSize { get; }

    internal int VmFd => _vmFd;

    /// <summary>Whether this host can run the backend; when not, <paramref name="reason"/> says why.</summary>
    /// <param name="reason">Why not, or empty.</param>
    /// <returns>True when <c>/dev/kvm</c> opens and offers what the backend needs.</returns>
    public static bool IsAvailable(out string reason)
    {
        int kvmFd = KvmNative.Open(DevicePath);
        if (kvmFd < 0)
        {
            reason = -kvmFd == ErrnoNotFound ? $"{DevicePath} does not exist." : $"{DevicePath} cannot be opened (errno {-kvmFd}).";
            return false;
        }

        try
        {
            reason = CheckCapabilities(kvmFd) ?? string.Empty;
            return reason.Length == 0;
        }
        finally
        {
            KvmNative.Close(kvmFd);
        }
    }

    /// <summary>Creates a VM whose guest memory is <paramref name="space"/>.</summary>
    /// <param name="space">The address space (kept alive by the caller until the VM is disposed).</param>
    /// <param name="resolvePageFaults">True: the backend resolves the page faults the space allows itself
    /// (<see cref="AddrSpace.HandlePageFault"/>, then the entry becomes present) and reports only the others. False:
    /// every user page fault is reported, and the caller resolves it and calls <see cref="RefreshRange"/> (the
    /// <c>ICpu</c> contract).</param>
    /// <returns>The VM.</returns>
    /// <exception cref="InvalidOperationException">KVM is missing or refused (the message says which).</exception>
    public static KvmVirtualMachine Create(AddrSpace space, bool resolvePageFaults = true)
    {
        ArgumentNullException.ThrowIfNull(space);
        int kvmFd = KvmNative.Open(DevicePath);
        if (kvmFd < 0)
        {
            throw new InvalidOperationException($"{DevicePath} cannot be opened (errno {-kvmFd}).");
        }

        try
        {
            string? missing = CheckCapabilities(kvmFd);
            if (missing is not null)
            {
                throw new InvalidOperationException(missing);
            }

            int vmFd = KvmNative.Ioctl(kvmFd, KvmAbi.CreateVm, 0);
            if (vmFd < 0)
            {
                throw new InvalidOperationException($"KVM_CREATE_VM failed: errno {-vmFd}.");
            }

            return new KvmVirtualMachine(space, kvmFd, vmFd) { ResolvesPageFaults = resolvePageFaults };
        }
        catch
        {
            KvmNative.Close(kvmFd);
            throw;
        }
    }

    /// <summary>Creates a vCPU (one per task), in no state yet: set its registers, then run it.</summary>
    /// <returns>The vCPU; dispose it before the VM, or hand it back with <see cref="ReleaseVcpu"/>.</returns>
    /// <exception cref="InvalidOperationException">All <see cref="SystemRegionLayout.MaxVcpus"/> vCPUs are in use, or
    /// KVM refused.</exception>
    public KvmVcpu CreateVcpu() =>
        TryCreateVcpu() ?? throw new InvalidOperationException($"All {SystemRegionLayout.MaxVcpus} vCPUs of the VM are in use.");

    /// <summary>Like <see cref="CreateVcpu"/>, but answers null when all <see cref="SystemRegionLayout.MaxVcpus"/>
    /// vCPUs are in use. A vCPU a thread released is reused (reset to the state of a new one).</summary>
    /// <returns>The vCPU, or null.</returns>
    internal KvmVcpu? TryCreateVcpu()
    {
        lock (_vcpuGate)
        {
            ObjectDisposedException.ThrowIf(_vmFd < 0, this);
            KvmVcpu vcpu;
            if (_idleVcpus.Count > 0)
            {
                vcpu = _idleVcpus.Pop();
                vcpu.Reset();
            }
            else if (_vcpusCreated < SystemRegionLayout.MaxVcpus && KvmVcpu.TryCreate(this, _vcpusCreated) is { } created)
            {
                vcpu = created;
                _vcpusCreated++;
            }
            else
            {
                return null;
            }

            _vcpus.Add(vcpu);
            _activeVcpus = [.. _vcpus];
            return vcpu;
        }
    }

    /// <summary>Hands back a vCPU whose thread ended; the next <see cref="TryCreateVcpu"/> reuses it. Its thread
    /// must not run it any more.</summary>
    /// <param name="vcpu">A vCPU of this VM.</param>
    internal void ReleaseVcpu(KvmVcpu vcpu)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        lock (_vcpuGate)
        {
            if (_vmFd < 0 || !_vcpus.Remove(vcpu))
            {
                return;
            }

            _activeVcpus = [.. _vcpus];
            _idleVcpus.Push(vcpu);
        }
    }

    /// <summary>Call after any change to the areas of <c>[start, start + size)</c> (map, unmap, protect): the
    /// entries become not present (the next touch faults and is checked again) and every vCPU drops them from its TLB before it
    /// next runs guest code; running vCPUs on other threads are kicked out of the guest.</summary>
    /// <param name="start">The first address.</param>
    /// <param name="size">The size.</param>
    public void InvalidateRange(VirtAddr start, ulong size)
    {
        ulong end = start.Value + size < start.Value ? ulong.MaxValue : start.Value + size;
        ulong first = start.Value & ~(SystemRegionLayout.PageSize - 1);
        (ulong presentStart, ulong presentEnd) = _pageTables.ClearRange(first, end);
        DropTranslations(presentStart, presentEnd);
    }

    /// <summary>Brings the entries of <c>[start, end)</c> in line with the address space: a page that is populated
    /// and lies in an area becomes present with the area's permissions, every other page not present. Gaining
    /// permissions costs nothing more; losing them on a present page makes the vCPUs flush before they run again
    /// (see <see cref="InvalidateRange"/>). Ranges of more than <see cref="RefreshPageLimit"/> pages are simply
    /// invalidated (their pages come back through page faults).</summary>
    /// <param name="start">The first address.</param>
    /// <param name="end">The end address.</param>
    public void RefreshRange(ulong start, ulong end)
    {
        ulong first = start & ~(SystemRegionLayout.PageSize - 1);
        end = Math.Min(end, Layout.UserEnd);
        if (end <= first)
        {
            return;
        }

        if ((end - first) / SystemRegionLayout.PageSize > RefreshPageLimit)
        {
            InvalidateRange(new VirtAddr(first), end - first);
            return;
        }

        ulong lostStart = ulong.MaxValue;
        ulong lostEnd = 0;
        Space.EnterAccess();
        try
        {
            MappingFlags flags = MappingFlags.None;
            for (ulong page = first; page < end; page += SystemRegionLayout.PageSize)
            {
                flags = DesiredFlags(page);
                if (flags != MappingFlags.None)
                {
                    EnsureUserSlot(page);
                }

                if (_pageTables.SetPage(page, flags))
                {
                    lostStart = Math.Min(lostStart, page);
                    lostEnd = page + SystemRegionLayout.PageSize;
                }
            }

            if (end - first <= SystemRegionLayout.PageSize && flags != MappingFlags.None)
            {
                // One page made present: the kernel resolved a page fault there (or a one-page change). Its
                // populated neighbours come along, so they do not fault one by one.
                MapPopulatedNeighbours(first, flags);
            }
        }
        finally
        {
            Space.ExitAccess();
        }

        if (lostStart < lostEnd)
        {
            DropTranslations(lostStart, lostEnd);
        }
    }

    /// <summary>Call after the whole space changed (exec's <see cref="AddrSpace.Clear"/>).</summary>
    public void InvalidateAll() => InvalidateRange(VirtAddr.Null, Layout.UserEnd);

    /// <summary>Releases the vCPUs still open, the VM and the backend's memory.</summary>
    public void Dispose()
    {
        lock (_vcpuGate)
        {
            if (_vmFd < 0)
            {
                return;
            }

            foreach (KvmVcpu vcpu in _vcpus.ToArray())
            {
                vcpu.Dispose();
            }

            while (_idleVcpus.Count > 0)
            {
                _idleVcpus.Pop().Dispose();
            }

            KvmNative.Close(_vmFd);
            KvmNative.Close(_kvmFd);
            _vmFd = -1;
            _region.Dispose();
        }
    }

    /// <summary>Before a vCPU enters through the flush path: appends the pages invalidated since its last flush to
    /// the list in its slot that the stub reads (one <c>invlpg</c> each). Past <see cref="KernelStub.MaxInvalidations"/>
    /// pages the list becomes "everything" (a CR3 reload). Used with hardware paging only; a shadow-paging KVM ignores
    /// both (see <see cref="DropShadowEntries"/>).</summary>
    /// <param name="vcpu">The vCPU about to enter.</param>
    internal void WriteInvalidationList(KvmVcpu vcpu)
    {
        lock (_vcpuGate)
        {
            vcpu.DrainInvalidations(InvalidationList(vcpu));
        }
    }

    /// <summary>After a vCPU went through the flush path: its list is done.</summary>
    /// <param name="vcpu">The vCPU.</param>
    internal void ClearInvalidationList(KvmVcpu vcpu) => InvalidationList(vcpu)[0] = 0;

    /// <summary>One more <see cref="KvmCpu"/> (a thread) uses this VM.</summary>
    internal void AddOwner() => Interlocked.Increment(ref _owners);

    /// <summary>A <see cref="KvmCpu"/> stopped using this VM.</summary>
    /// <returns>True for the last one (which disposes the VM).</returns>
    internal bool RemoveOwner() => Interlocked.Decrement(ref _owners) == 0;

    internal void Forget(KvmVcpu vcpu)
    {
        lock (_vcpuGate)
        {
            if (_vcpus.Remove(vcpu))
            {
                _activeVcpus = [.. _vcpus];
            }
        }
    }

    /// <summary>Called after the entries of <c>[start, end)</c> (the pages that were present there) were cleared
    /// or lost permissions: returns once no vCPU can use the old entries any more (see the invariant in the
    /// remarks). On a shadow-paging KVM, first makes KVM drop its copies (<see cref="DropShadowEntries"/>).</summary>
    private void DropTranslations(ulong start, ulong end)
    {
        if (start >= end)
        {
            return; // nothing was present: no TLB or shadow holds a translation of these pages
        }

        if (ShadowPaging)
        {
            // KVM's own zap already flushed every vCPU's TLB and waited for them: no kick, no flush path.
            DropShadowEntries(start, end);
            return;
        }

        QueueInvalidation(start, end);
    }

    /// <summary>Makes a shadow-paging KVM drop its entries for user pages <c>[start, end)</c>, after our own entries
    /// there changed. Such a KVM ignores edits the host makes to the guest's page tables (it only tracks the guest's
    /// own writes), and <c>invlpg</c> or a CR3 reload does not resync a shadow table it considers in sync, so its
    /// entry would live on indefinitely; what it does honour are the host's MMU notifiers. Dropping the kernel view's
    /// host page-table entries for the range (a <c>MAP_SHARED</c> view of the memfd, so contents stay) fires them:
    /// KVM zaps its entries of those guest pages and flushes every vCPU's TLB before the call returns; the next
    /// access walks our tables again. This must come after our entries changed: a vCPU touching the page between
    /// an unmap's hole punch and our clear re-creates KVM's entry from our still-present one. If the kernel refuses,
    /// the user slots are reset instead (every shadow entry of user memory goes).</summary>
    private void DropShadowEntries(ulong start, ulong end)
    {
        // A borrowing space's view is a private mapping: dropping its entries would discard the pages it wrote.
        if (!Space.IsBorrowingMemory && KvmNative.DropSharedPageTableEntries(Space.KernelBase + (nint)start, end - start))
        {
            _ = Interlocked.Increment(ref _shadowZaps);
            return;
        }

        ResetUserSlots();
    }

    /// <summary>Queues the pages of <c>[first, end)</c> on every vCPU, raises the TLB generation and waits until no
    /// vCPU can still use a dropped entry (the invariant in the remarks above). Never called with the vCPU lock
    /// held, nor by a thread whose vCPU is in the guest.</summary>
    private void QueueInvalidation(ulong first, ulong end)
    {
        end = Math.Min(end, Layout.UserEnd);
        KvmVcpu[] vcpus;
        lock (_vcpuGate)
        {
            foreach (KvmVcpu vcpu in _vcpus)
            {
                vcpu.QueueInvalidation(first, end);
            }

            vcpus = _activeVcpus;
        }

        long generation = Interlocked.Increment(ref _tlbGeneration);
        foreach (KvmVcpu vcpu in vcpus)
        {
            vcpu.WaitUntilFlushed(generation);
        }
    }

    private Span<ulong> InvalidationList(KvmVcpu vcpu) =>
        _region.Words(SystemRegionLayout.SlotPage(vcpu.Slot) + SystemRegionLayout.InvalidationPageInSlot, KernelStub.MaxInvalidations + 1);

    /// <summary>Resolves a user page fault the way Linux would: when the address space allows the access (populating
    /// the page, counted against the memory limit), the entry becomes present with the area's permissions.</summary>
    /// <param name="address">CR2.</param>
    /// <param name="errorCode">The page-fault error code.</param>
    /// <returns>True when the guest may retry the access.</returns>
    internal bool TryResolvePageFault(ulong address, uint errorCode)
    {
        if ((errorCode & (X86Exception.PageFaultUser | X86Exception.PageFaultReservedBit)) != X86Exception.PageFaultUser
            || address >= Layout.UserEnd)
        {
            return false;
        }

        MappingFlags access = MappingFlags.User | AccessOf(errorCode);
        var va = new VirtAddr(address);
        var page = new VirtAddrRange(new VirtAddr(address & ~(SystemRegionLayout.PageSize - 1)), new VirtAddr((address & ~(SystemRegionLayout.PageSize - 1)) + SystemRegionLayout.PageSize));
        Space.EnterAccess();
        try
        {
            if (!Space.HandlePageFault(va, access) || !Space.CheckRegionAccess(page, MappingFlags.Read))
            {
                return false; // a present x86 page is readable, so an unreadable area stays not present
            }

            MappingFlags flags = MappingFlags.Read;
            if (Space.CheckRegionAccess(page, MappingFlags.Write))
            {
                flags |= MappingFlags.Write;
            }

            if (Space.CheckRegionAccess(page, MappingFlags.Execute))
            {
                flags |= MappingFlags.Execute;
            }

            EnsureUserSlot(address);
            _pageTables.MapPage(address, flags);
            MapPopulatedNeighbours(address, flags);
            return true;
        }
        finally
        {
            Space.ExitAccess();
        }
    }

    /// <summary>Fault-around without a cost in memory: after a fault at <paramref name="address"/> was resolved with
    /// <paramref name="flags"/>, makes the not-present entries of the aligned <see cref="FaultAroundPages"/>-page window
    /// around it present with the same flags wherever the page is already populated (exactly what a fault on each of
    /// them would do: <see cref="AddrSpace.HandlePageFault"/> populates nothing for a populated page, and the entry gets
    /// the area's permissions). Pages that are not populated stay not present, so lazy population and the memory
    /// limit see every first touch as before. Populated pages without entries are common: a remap that moved pages
    /// (<c>mremap</c> of a growing array), a refresh of more than <see cref="RefreshPageLimit"/> pages, a process
    /// restored from a snapshot; under PVM each of their faults would be an exit of about 30 µs. Caller is inside an
    /// access scope.</summary>
    /// <remarks>Entries only gain presence, so no TLB flush is due; present entries are left alone (they may carry
    /// more than <paramref name="flags"/>). A window that does not lie wholly in areas carrying <paramref name="flags"/>
    /// falls back to the narrow one, then to the part of the narrow one inside the faulting page's area. The window
    /// lies in the faulting page's memory slot (slots are 1 GiB, aligned).</remarks>
    private void MapPopulatedNeighbours(ulong address, MappingFlags flags)
    {
        foreach (int pages in (ReadOnlySpan<int>)[FaultAroundPages, NarrowFaultAroundPages])
        {
            ulong windowBytes = (ulong)pages * SystemRegionLayout.PageSize;
            ulong start = address & ~(windowBytes - 1);
            ulong end = Math.Min(start + windowBytes, Layout.UserEnd);
            if (Space.CheckRegionAccess(new VirtAddrRange(new VirtAddr(start), new VirtAddr(end)), flags))
            {
                MapPopulatedIn(start, end, flags);
                return;
            }
        }

        // The narrow window sticks out of the areas with these permissions (a heap whose end is not 64 KiB aligned,
        // a stack above a guard page): the part inside the faulting page's own area, which the address space's
        // anonymous fault-around populates in one go (AddrSpaceOptions.AnonymousFaultAroundPages).
        if (Space.TryGetArea(new VirtAddr(address), out MemoryAreaInfo area) && (area.Flags & flags) == flags)
        {
            ulong windowBytes = (ulong)NarrowFaultAroundPages * SystemRegionLayout.PageSize;
            ulong start = Math.Max(address & ~(windowBytes - 1), area.Range.Start.Value);
            ulong end = Math.Min(Math.Min((address & ~(windowBytes - 1)) + windowBytes, area.Range.End.Value), Layout.UserEnd);
            MapPopulatedIn(start, end, flags);
        }
    }

    /// <summary>Makes the not-present, populated pages of <c>[start, end)</c> (inside areas carrying
    /// <paramref name="flags"/>) present with <paramref name="flags"/>.</summary>
    private void MapPopulatedIn(ulong start, ulong end, MappingFlags flags)
    {
        long mapped = 0;
        for (ulong page = start; page < end; page += SystemRegionLayout.PageSize)
        {
            if ((_pageTables.EntryOf(page) & GuestPageTables.Present) == 0 && Space.IsPopulated(new VirtAddr(page)))
            {
                _pageTables.MapPage(page, flags);
                mapped++;
            }
        }

        _ = Interlocked.Add(ref _faultAroundPages, mapped);
    }

    /// <summary>The permissions page <paramref name="page"/> should have in its entry: none (not present) unless it
    /// is populated and in a readable area (x86 pages are readable whenever present). Caller is inside an access
    /// scope.</summary>
    private MappingFlags DesiredFlags(ulong page)
    {
        var range = new VirtAddrRange(new VirtAddr(page), new VirtAddr(page + SystemRegionLayout.PageSize));
        if (!Space.CheckRegionAccess(range, MappingFlags.None) || !Space.IsPopulated(new VirtAddr(page)) || !Space.CheckRegionAccess(range, MappingFlags.Read))
        {
            return MappingFlags.None;
        }

        MappingFlags flags = MappingFlags.Read;
        if (Space.CheckRegionAccess(range, MappingFlags.Write))
        {
            flags |= MappingFlags.Write;
        }

        if (Space.CheckRegionAccess(range, MappingFlags.Execute))
        {
            flags |= MappingFlags.Execute;
        }

        return flags;
    }

    /// <summary>The access a page-fault error code describes.</summary>
    /// <param name="errorCode">The error code.</param>
    /// <returns>Write, Execute or Read.</returns>
    internal static MappingFlags AccessOf(uint errorCode) =>
        (errorCode & X86Exception.PageFaultWrite) != 0 ? MappingFlags.Write
        : (errorCode & X86Exception.PageFaultInstructionFetch) != 0 ? MappingFlags.Execute
        : MappingFlags.Read;

    private static string? CheckCapabilities(int kvmFd)
    {
        int version = KvmNative.Ioctl(kvmFd, KvmAbi.GetApiVersion, 0);
        if (version != KvmAbi.ApiVersion)
        {
            return $"KVM API version {version}, expected {KvmAbi.ApiVersion}.";
        }

        if (KvmNative.Ioctl(kvmFd, KvmAbi.CheckExtension, KvmAbi.CapUserMemory) <= 0)
        {
            return "KVM lacks KVM_CAP_USER_MEMORY.";
        }

        if ((KvmNative.Ioctl(kvmFd, KvmAbi.CheckExtension, KvmAbi.CapSyncRegs) & (int)KvmAbi.SyncRegs) == 0)
        {
            return "KVM lacks KVM_CAP_SYNC_REGS for general registers.";
        }

        if (KvmNative.Ioctl(kvmFd, KvmAbi.CheckExtension, KvmAbi.CapImmediateExit) <= 0)
        {
            return "KVM lacks KVM_CAP_IMMEDIATE_EXIT.";
        }

        return null;
    }

    /// <summary>Deletes and re-adds the user memory slots (a shadow-paging KVM then drops every shadow entry of user
    /// memory). Between the two, user memory has no slot, and a vCPU touching it would exit as MMIO (an emulation
    /// failure), so every other vCPU is held out of the guest meanwhile (see <see cref="KvmVcpu.HoldOutOfGuest"/>).</summary>
    private void ResetUserSlots()
    {
        lock (_slotGate)
        {
            _ = Interlocked.Exchange(ref _slotResetting, 1);
            try
            {
                foreach (KvmVcpu vcpu in Volatile.Read(ref _activeVcpus))
                {
                    vcpu.WaitOutOfGuest();
                }

                ReregisterUserSlots();
                _ = Interlocked.Increment(ref _shadowResets);
            }
            finally
            {
                Volatile.Write(ref _slotResetting, 0);
            }
        }
    }

    /// <summary>Whether a slot reset is under way (vCPUs must not enter the guest).</summary>
    internal bool SlotResetting => Volatile.Read(ref _slotResetting) != 0;

    /// <summary>Deletes and re-adds every user slot registered so far. Caller holds <c>_slotGate</c>.</summary>
    private void ReregisterUserSlots()
    {
        for (int chunk = 0; chunk < _userSlotRegistered.Length; chunk++)
        {
            if (_userSlotRegistered[chunk])
            {
                (ulong start, ulong size) = UserSlotRange(chunk);
                SetSlot((uint)chunk, start, 0, (ulong)Space.KernelBase + start);
                SetSlot((uint)chunk, start, size, (ulong)Space.KernelBase + start);
            }
        }
    }

    /// <summary>Registers the user slot holding <paramref name="address"/> unless it is registered already. Called
    /// before an entry there becomes present, so the guest never reaches user memory without a slot.</summary>
    /// <remarks>User memory is registered in slots of <see cref="UserSlotBytes"/> on first use instead of one slot
    /// over the whole user range: a shadow-paging KVM allocates reverse-map arrays for every page of a slot (for a
    /// 64 GiB range, 128 MiB zeroed when the slot is added and freed when the VM goes), which cost about 60 ms at each
    /// runner start and again at its exit, twice per fork and exec.</remarks>
    private void EnsureUserSlot(ulong address)
    {
        int chunk = (int)(address / UserSlotBytes);
        if (Volatile.Read(ref _userSlotRegistered[chunk]))
        {
            return;
        }

        lock (_slotGate)
        {
            if (!_userSlotRegistered[chunk])
            {
                (ulong start, ulong size) = UserSlotRange(chunk);
                SetSlot((uint)chunk, start, size, (ulong)Space.KernelBase + start);
                Volatile.Write(ref _userSlotRegistered[chunk], true);
            }
        }
    }

    private (ulong Start, ulong Size) UserSlotRange(int chunk)
    {
        ulong start = (ulong)chunk * UserSlotBytes;
        return (start, Math.Min(UserSlotBytes, Layout.UserEnd - start));
    }

    private void RegisterSlots()
    {
        int maxSlots = KvmNative.Ioctl(_kvmFd, KvmAbi.CheckExtension, KvmAbi.CapMemorySlots);
        uint slot = (uint)_userSlotRegistered.Length; // user slots are 0..n-1, registered on first use
        if (maxSlots > 0 && slot >= (uint)maxSlots)
        {
            throw new InvalidOperationException($"KVM allows {maxSlots} memory slots; the user range needs more.");
        }

        SetSlot(slot, Layout.Base, Layout.Size, (ulong)_region.HostAddress);
    }

    private void SetSlot(uint slot, ulong guestPhysical, ulong size, ulong host)
    {
        var region = new KvmMemoryRegion { Slot = slot, GuestPhysicalAddress = guestPhysical, MemorySize = size, UserspaceAddress = host };
        int r = KvmNative.Ioctl(_vmFd, KvmAbi.SetUserMemoryRegion, ref region);
        if (r < 0)
        {
            throw new InvalidOperationException($"KVM_SET_USER_MEMORY_REGION (slot {slot}, {size} bytes at {guestPhysical:x}) failed: errno {-r}.");
        }
    }
}
