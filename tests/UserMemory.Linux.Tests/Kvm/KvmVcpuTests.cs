using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>Hand-assembled guest programs on the KVM backend: syscalls, lazy population, protection, exceptions,
/// FS base, the memory limit and stop requests.</summary>
public sealed class KvmVcpuTests
{
    private const ulong Rw = (ulong)(MappingFlags.Read | MappingFlags.Write | MappingFlags.User);

    [KvmFact]
    public void A_syscall_reaches_the_host_with_its_arguments_and_returns_the_result_in_rax()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.MovEax(39), X64.MovEdi(0x11), X64.Syscall, X64.LeaRdiRaxPlus1, X64.MovEax(60), X64.Syscall);
        g.Regs.Rbx = 0xB0B0;
        g.Regs.R12 = 0x1212;
        g.Regs.R15 = 0xF0F0;

        g.RunToSyscall(39);
        long exitsBefore = g.Vcpu.ExitCount;
        Assert.Equal(0x11UL, g.Regs.Rdi);
        Assert.Equal(KvmGuest.CodeAddress + 12, g.Regs.Rip); // after the first syscall
        Assert.Equal(g.Regs.Rip, g.Regs.Rcx);                 // Linux: RCX = return address, R11 = RFLAGS
        Assert.Equal(g.Regs.Rflags, g.Regs.R11);
        Assert.Equal(KvmGuest.StackTop, g.Regs.Rsp);
        g.Regs.Rax = 1234;

        g.RunToSyscall(60);
        Assert.Equal(1235UL, g.Regs.Rdi);
        Assert.Equal(0xB0B0UL, g.Regs.Rbx);
        Assert.Equal(0x1212UL, g.Regs.R12);
        Assert.Equal(0xF0F0UL, g.Regs.R15);
        Assert.Equal(1, g.Vcpu.ExitCount - exitsBefore); // one VM exit per syscall
        Assert.Equal(2, g.Vcpu.SyscallCount);
    }

    [KvmFact]
    public void A_touch_of_a_lazy_page_faults_into_the_host_which_populates_and_counts_it()
    {
        using var g = new KvmGuest(faultAroundPages: 0); // one page per fault (the window: below)
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), 16 * KvmGuest.PageSize, (MappingFlags)Rw, populate: false));
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.MovDwordToRax(42), X64.MovRdiFromRax, X64.MovEax(60), X64.Syscall);
        ulong committed = g.Space.CommittedBytes;
        Assert.False(g.Space.IsPopulated(new VirtAddr(KvmGuest.DataAddress)));

        g.RunToSyscall(60);
        Assert.Equal(42UL, g.Regs.Rdi);
        Assert.True(g.Space.IsPopulated(new VirtAddr(KvmGuest.DataAddress)));
        Assert.False(g.Space.IsPopulated(new VirtAddr(KvmGuest.DataAddress + KvmGuest.PageSize)));
        Assert.Equal(committed + KvmGuest.PageSize, g.Space.CommittedBytes);
        Assert.Equal(2, g.Vcpu.ResolvedPageFaults); // the code page, then the data page
        Assert.NotEqual(0UL, g.Vm.PageTables.EntryOf(KvmGuest.DataAddress) & GuestPageTables.Present);
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(KvmGuest.DataAddress + KvmGuest.PageSize) & GuestPageTables.Present);
    }

    [KvmFact]
    public void A_resolved_fault_also_maps_the_populated_pages_of_its_window_and_nothing_else()
    {
        const int pages = 2 * KvmVirtualMachine.FaultAroundPages;
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), pages * KvmGuest.PageSize, (MappingFlags)Rw, populate: true));
        ulong last = KvmGuest.DataAddress + ((pages - 1) * KvmGuest.PageSize);
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.TouchPagesUntil(last), X64.MovEax(60), X64.Syscall);
        ulong committed = g.Space.CommittedBytes;

        g.RunToSyscall(60);
        Assert.Equal(3, g.Vcpu.ResolvedPageFaults); // the code page, then one fault per window of populated pages
        Assert.Equal(pages - 2, g.Vm.FaultAroundMappedPages);
        Assert.Equal(committed, g.Space.CommittedBytes);
    }

    [KvmFact]
    public void A_one_page_refresh_after_the_kernel_resolved_a_fault_maps_the_populated_neighbours_too()
    {
        // The runner's path (KvmCpu): the kernel populates the faulting page, then refreshes that one page.
        const ulong page = KvmGuest.PageSize;
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), KvmVirtualMachine.FaultAroundPages * page, (MappingFlags)Rw, populate: true));
        g.Vm.InvalidateRange(new VirtAddr(KvmGuest.DataAddress), KvmVirtualMachine.FaultAroundPages * page);
        ulong fault = KvmGuest.DataAddress + (5 * page) + 123;

        g.Vm.RefreshRange(fault, fault + 1);
        for (ulong p = 0; p < KvmVirtualMachine.FaultAroundPages; p++)
        {
            ulong entry = g.Vm.PageTables.EntryOf(KvmGuest.DataAddress + (p * page));
            Assert.Equal(GuestPageTables.Present | GuestPageTables.Writable, entry & (GuestPageTables.Present | GuestPageTables.Writable));
        }

        // A one-page unmap maps nothing around it.
        KvmGuest.Check(g.Space.Unmap(new VirtAddr(KvmGuest.DataAddress), KvmVirtualMachine.FaultAroundPages * page));
        g.Vm.RefreshRange(fault, fault + 1);
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(fault) & GuestPageTables.Present);
    }

    [KvmFact]
    public void Fault_around_populates_nothing_and_never_grants_more_than_the_area_allows()
    {
        const ulong page = KvmGuest.PageSize;
        const ulong writable = KvmVirtualMachine.NarrowFaultAroundPages;
        using var g = new KvmGuest(faultAroundPages: 0); // the address space's own window is tested below
        var data = new VirtAddr(KvmGuest.DataAddress);
        KvmGuest.Check(g.Space.MapAlloc(data, writable * page, (MappingFlags)Rw, populate: false));
        ulong readOnly = KvmGuest.DataAddress + (writable * page);
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(readOnly), 4 * page, MappingFlags.Read | MappingFlags.User, populate: true));
        Assert.True(g.Space.HandlePageFault(new VirtAddr(KvmGuest.DataAddress + (2 * page)), (MappingFlags)Rw));
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.MovDwordToRax(7), X64.MovRbx(readOnly), X64.MovDwordToRbx(8));
        ulong committed = g.Space.CommittedBytes;

        KvmEvent e = g.Run(); // the store to the data page is resolved; the store to the read-only area is not
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(readOnly, e.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
        Assert.Equal(committed + page, g.Space.CommittedBytes); // only the page the guest stored to
        ulong populatedNeighbour = g.Vm.PageTables.EntryOf(KvmGuest.DataAddress + (2 * page));
        Assert.NotEqual(0UL, populatedNeighbour & GuestPageTables.Present);
        Assert.NotEqual(0UL, populatedNeighbour & GuestPageTables.Writable);
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(KvmGuest.DataAddress + page) & GuestPageTables.Present);
        Assert.False(g.Space.IsPopulated(new VirtAddr(KvmGuest.DataAddress + page)));
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(readOnly + page) & GuestPageTables.Present); // other area: the narrow window
    }

    [KvmFact]
    public void A_write_to_a_lazy_page_populates_its_window_and_the_whole_window_becomes_present()
    {
        const ulong page = KvmGuest.PageSize;
        const ulong window = AddrSpaceOptions.DefaultAnonymousFaultAroundPages;
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), 4 * window * page, (MappingFlags)Rw, populate: false));
        ulong last = KvmGuest.DataAddress + (((2 * window) - 1) * page);
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.TouchPagesUntil(last), X64.MovEax(60), X64.Syscall);
        ulong committed = g.Space.CommittedBytes;

        g.RunToSyscall(60);
        Assert.Equal(3, g.Vcpu.ResolvedPageFaults); // the code page, then one write fault per window
        Assert.Equal(committed + (2 * window * page), g.Space.CommittedBytes);
        Assert.True(g.Space.IsPopulated(new VirtAddr(last)));
        Assert.False(g.Space.IsPopulated(new VirtAddr(last + page))); // the next window: untouched, not populated
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(last + page) & GuestPageTables.Present);
    }

    [KvmFact]
    public void A_window_cut_by_its_area_still_becomes_present_and_the_neighbour_does_not()
    {
        // A lazy heap of 10 pages starting 3 pages into a window, then a read-only page: the 16-page window does not
        // lie in writable areas, so the part inside the heap is mapped.
        const ulong page = KvmGuest.PageSize;
        ulong heap = KvmGuest.DataAddress + (3 * page);
        ulong readOnly = heap + (10 * page);
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(heap), 10 * page, (MappingFlags)Rw, populate: false));
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(readOnly), page, MappingFlags.Read | MappingFlags.User, populate: false));
        g.LoadCode(X64.MovRax(heap), X64.TouchPagesUntil(readOnly - page), X64.MovEax(60), X64.Syscall);
        ulong committed = g.Space.CommittedBytes;

        g.RunToSyscall(60);
        Assert.Equal(2, g.Vcpu.ResolvedPageFaults); // the code page, then one fault for the whole heap
        Assert.Equal(committed + (10 * page), g.Space.CommittedBytes);
        Assert.False(g.Space.IsPopulated(new VirtAddr(readOnly)));
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(readOnly) & GuestPageTables.Present);
        Assert.Equal(0UL, g.Vm.PageTables.EntryOf(heap - page) & GuestPageTables.Present);
    }

    [KvmFact]
    public void The_runners_one_page_refresh_after_a_window_fault_maps_the_window_clipped_to_the_area()
    {
        // The runner's path (KvmCpu): the kernel resolves the fault (HandlePageFault), then refreshes that one page.
        const ulong page = KvmGuest.PageSize;
        ulong heap = KvmGuest.DataAddress + (3 * page);
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(heap), 10 * page, (MappingFlags)Rw, populate: false));
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(heap + (10 * page)), page, MappingFlags.User, populate: false)); // PROT_NONE
        ulong fault = heap + (4 * page) + 5;
        Assert.True(g.Space.HandlePageFault(new VirtAddr(fault), MappingFlags.Write | MappingFlags.User));

        g.Vm.RefreshRange(fault, fault + 1);
        for (ulong p = 0; p < 16; p++)
        {
            ulong address = KvmGuest.DataAddress + (p * page);
            bool inHeap = address >= heap && address < heap + (10 * page);
            Assert.Equal(inHeap, g.Space.IsPopulated(new VirtAddr(address)));
            ulong expected = inHeap ? GuestPageTables.Present | GuestPageTables.Writable : 0;
            Assert.Equal(expected, g.Vm.PageTables.EntryOf(address) & (GuestPageTables.Present | GuestPageTables.Writable));
        }
    }

    [KvmFact]
    public void A_write_to_a_read_only_page_is_reported_with_a_protection_error_code()
    {
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize, MappingFlags.Read | MappingFlags.User, populate: false));
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.MovRdiFromRax, X64.MovDwordToRax(1), X64.Syscall);

        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(KvmGuest.DataAddress, e.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
        Assert.Equal(X86Exception.PageFaultPresent | X86Exception.PageFaultWrite | X86Exception.PageFaultUser, (uint)e.ErrorCode);
        Assert.Equal(KvmGuest.CodeAddress + 13, g.Regs.Rip); // the faulting store
        Assert.Equal(0UL, g.Regs.Rdi); // the read went through (zero page)
    }

    [KvmFact]
    public void Executing_a_page_without_execute_permission_is_an_instruction_fetch_fault()
    {
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapLinear(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize, (MappingFlags)Rw, X64.Ret));
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.MovRdiFromRax, X64.CallRax, X64.Syscall);

        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(KvmGuest.DataAddress, e.Address);
        Assert.Equal(MappingFlags.Execute | MappingFlags.User, e.Access);
        Assert.Equal(
            X86Exception.PageFaultPresent | X86Exception.PageFaultInstructionFetch | X86Exception.PageFaultUser,
            (uint)e.ErrorCode); // present (the read mapped it) but NX
        Assert.Equal(KvmGuest.DataAddress, g.Regs.Rip);
        Assert.Equal(KvmGuest.StackTop - 8, g.Regs.Rsp); // the call pushed its return address
    }

    [KvmFact]
    public void A_touch_of_an_address_with_no_area_is_reported()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.MovRax(0x3000_0000), X64.MovRdiFromRax);
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(0x3000_0000UL, e.Address);
        Assert.Equal(MappingFlags.Read | MappingFlags.User, e.Access);
    }

    [KvmFact]
    public void Kernel_memory_above_the_user_range_is_out_of_reach_of_user_code()
    {
        using var g = new KvmGuest();
        ulong idt = g.Vm.Layout.PageAddress(SystemRegionLayout.IdtPage);
        g.LoadCode(X64.MovRax(idt), X64.MovDwordToRax(0));
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(idt, e.Address);
        Assert.Equal(X86Exception.PageFaultPresent | X86Exception.PageFaultWrite | X86Exception.PageFaultUser, (uint)e.ErrorCode);
    }

    [KvmTheory]
    [InlineData("ud2")]
    [InlineData("div0")]
    [InlineData("hlt")]
    [InlineData("cli")]
    [InlineData("in")]
    [InlineData("int3")]
    [InlineData("int80")]
    [InlineData("int81")]
    public void Exceptions_in_user_mode_are_reported_with_vector_and_error_code(string name)
    {
        (byte[] code, int vector, ulong error, ulong ripOffset) = name switch
        {
            "ud2" => (X64.Ud2, X86Exception.InvalidOpcode, 0UL, 0UL),
            "div0" => (KvmGuest.Concat(X64.XorEcxEcx, X64.DivEcx), X86Exception.DivideError, 0UL, 2UL),
            "hlt" => (X64.Hlt, X86Exception.GeneralProtection, 0UL, 0UL),
            "cli" => (X64.Cli, X86Exception.GeneralProtection, 0UL, 0UL),
            "in" => (X64.InAlDx, X86Exception.GeneralProtection, 0UL, 0UL),
            "int3" => (X64.Int3, X86Exception.Breakpoint, 0UL, 1UL), // a trap: RIP is after it
            "int80" => (X64.Int80, X86Vector.LegacySystemCall, 0UL, 2UL), // DPL 3 gate, as Linux's: a trap, RIP after it
            "int81" => (X64.Int81, X86Exception.GeneralProtection, (0x81UL << 3) | 2, 0UL), // IDT gate, DPL 0 (PVM's #UD translated)
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        using var g = new KvmGuest();
        g.LoadCode(code);
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.Exception, e.Kind);
        Assert.Equal(vector, e.Vector);
        Assert.Equal(error, e.ErrorCode);
        Assert.Equal(KvmGuest.CodeAddress + ripOffset, g.Regs.Rip);
    }

    [KvmFact]
    public void User_code_writing_the_syscall_port_itself_gets_a_general_protection_fault()
    {
        using var g = new KvmGuest();
        g.LoadCode([0xE6, (byte)KernelStub.SyscallPort]); // out 0x10, al
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.Exception, e.Kind);
        Assert.Equal(X86Exception.GeneralProtection, e.Vector);
        Assert.Equal(0, g.Vcpu.SyscallCount);
    }

    [KvmFact]
    public void Fs_base_set_by_the_host_is_used_by_fs_relative_loads()
    {
        using var g = new KvmGuest();
        byte[] data = new byte[16];
        BitConverter.TryWriteBytes(data.AsSpan(8), 0x1122_3344_5566_7788UL);
        KvmGuest.Check(g.Space.MapLinear(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize, (MappingFlags)Rw, data));
        g.LoadCode(X64.MovRdiFromFs8, X64.MovEax(60), X64.Syscall);
        g.Vcpu.FsBase = KvmGuest.DataAddress;
        g.RunToSyscall(60);
        Assert.Equal(0x1122_3344_5566_7788UL, g.Regs.Rdi);
        Assert.Equal(KvmGuest.DataAddress, g.Vcpu.FsBase);
    }

    [KvmFact]
    public void The_memory_limit_holds_for_every_store_and_the_first_store_over_it_is_an_unresolved_fault()
    {
        const ulong limitPages = 64;
        using var g = new KvmGuest(memoryLimit: limitPages * KvmGuest.PageSize);
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), 4UL << 20, (MappingFlags)Rw, populate: false));
        g.LoadCode(X64.MovRax(KvmGuest.DataAddress), X64.TouchPagesForever());
        ulong before = g.Space.CommittedBytes; // the code page
        ulong fits = (g.Space.MemoryLimit - before) / KvmGuest.PageSize;

        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(KvmGuest.DataAddress + (fits * KvmGuest.PageSize), e.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
        Assert.Equal(g.Space.MemoryLimit, g.Space.CommittedBytes);
        Assert.False(g.Space.IsPopulated(new VirtAddr(e.Address)));
        // The code page, one fault per whole fault-around window that fits, then one per page for the rest (the window
        // would pass the limit, so each fault falls back to its own page).
        const ulong window = AddrSpaceOptions.DefaultAnonymousFaultAroundPages;
        Assert.Equal((long)((fits / window) + (fits % window) + 1), g.Vcpu.ResolvedPageFaults);

        // Running on does not get past the limit either.
        e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(g.Space.MemoryLimit, g.Space.CommittedBytes);
    }

    [KvmFact]
    public void Unmap_and_protect_take_effect_at_once_although_the_guest_tlb_held_the_page()
    {
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize, (MappingFlags)Rw, populate: false));
        g.LoadCode(
            X64.MovRbx(KvmGuest.DataAddress), X64.MovDwordToRbx(5), X64.MovEax(10), X64.Syscall, // write, then mprotect
            X64.MovRdiFromRbx, X64.MovDwordToRbx(6));                                          // read ok, write faults
        g.RunToSyscall(10);
        KvmGuest.Check(g.Space.Protect(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize, MappingFlags.Read | MappingFlags.User));
        g.Vm.InvalidateRange(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize);
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
        Assert.Equal(5UL, g.Regs.Rdi);

        KvmGuest.Check(g.Space.Unmap(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize));
        g.Vm.InvalidateRange(new VirtAddr(KvmGuest.DataAddress), KvmGuest.PageSize);
        g.Regs.Rip -= 3; // retry the read
        e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(MappingFlags.Read | MappingFlags.User, e.Access);
        Assert.Equal(KvmGuest.DataAddress, e.Address);
    }

    [KvmFact]
    public void A_protect_of_more_pages_than_the_invalidation_list_holds_takes_effect_too()
    {
        const ulong size = 4UL << 20; // 1024 pages
        using var g = new KvmGuest();
        KvmGuest.Check(g.Space.MapAlloc(new VirtAddr(KvmGuest.DataAddress), size, (MappingFlags)Rw, populate: true));
        ulong last = KvmGuest.DataAddress + size - KvmGuest.PageSize;
        g.LoadCode(
            X64.MovRax(KvmGuest.DataAddress), X64.TouchPagesUntil(last), X64.MovEax(10), X64.Syscall, // every page in the TLB
            X64.MovRbx(last), X64.MovDwordToRbx(2));
        g.RunToSyscall(10);
        KvmGuest.Check(g.Space.Protect(new VirtAddr(KvmGuest.DataAddress), size, MappingFlags.Read | MappingFlags.User));
        g.Vm.InvalidateRange(new VirtAddr(KvmGuest.DataAddress), size);
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.PageFault, e.Kind);
        Assert.Equal(last, e.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
    }

    [KvmFact]
    public void A_stop_request_interrupts_an_endless_loop_and_the_host_can_redirect_the_task()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.JmpSelf, X64.MovEax(60), X64.Syscall);
        using var timer = new Timer(_ => g.Vcpu.RequestStop(), null, 100, Timeout.Infinite);
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.Stopped, e.Kind);
        Assert.Equal(KvmGuest.CodeAddress, g.Regs.Rip);

        g.Regs.Rip = KvmGuest.CodeAddress + 2; // skip the loop; also flush (the direct ring-3 path cannot)
        g.Vm.InvalidateRange(new VirtAddr(0x3000_0000), KvmGuest.PageSize);
        g.RunToSyscall(60);
    }

    [KvmFact]
    public void A_stop_requested_while_not_running_is_reported_by_the_next_run()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.MovEax(60), X64.Syscall);
        g.Vcpu.RequestStop();
        Assert.Equal(KvmEventKind.Stopped, g.Run().Kind);
        g.RunToSyscall(60);
    }

    [KvmFact]
    public void The_host_may_rewrite_rip_rcx_and_r11_at_a_syscall_stop_and_the_iret_path_restores_them_exactly()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.MovEax(1), X64.Syscall, X64.MovEax(2), X64.Syscall, X64.MovEax(3), X64.Syscall);
        g.RunToSyscall(1);
        g.Regs.Rip = KvmGuest.CodeAddress + 14; // skip syscall 2, as a signal handler return would
        g.Regs.Rcx = 0xC0FFEE;
        g.Regs.R11 = 0xBEEF;
        g.Regs.Rflags = 0x3_3202;               // IOPL 3 and VM requested: ignored
        g.RunToSyscall(3);
        Assert.Equal(0UL, g.Regs.Rflags & 0x3000);
        Assert.NotEqual(0xBEEFUL, g.Regs.R11); // the CPU's RFLAGS, as syscall leaves them
    }

    [KvmFact]
    public void A_non_canonical_return_address_is_a_general_protection_fault_not_a_host_failure()
    {
        using var g = new KvmGuest();
        g.LoadCode(X64.MovEax(1), X64.Syscall);
        g.RunToSyscall(1);
        g.Regs.Rip = 0x8000_0000_0000_0000;
        KvmEvent e = g.Run();
        Assert.Equal(KvmEventKind.Exception, e.Kind);
        Assert.Equal(X86Exception.GeneralProtection, e.Vector);
    }
}
