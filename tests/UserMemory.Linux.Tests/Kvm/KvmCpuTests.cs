using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>The <see cref="ICpu"/> contract on the KVM backend, driven the way the kernel's task loop drives it.</summary>
public sealed class KvmCpuTests
{
    private const ulong Code = KvmGuest.CodeAddress;
    private const ulong Data = KvmGuest.DataAddress;
    private const ulong Page = KvmGuest.PageSize;
    private const MappingFlags Rw = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;

    [KvmFact]
    public void Syscalls_go_to_the_handler_inside_the_run_which_ends_when_the_handler_requests_a_stop()
    {
        using var t = new CpuHarness();
        t.Load(X64.MovEax(39), X64.MovEdi(7), X64.Syscall, X64.LeaRdiRaxPlus1, X64.MovEax(60), X64.Syscall, X64.JmpSelf);
        var seen = new List<(ulong Number, ulong Arg, ulong Rip)>();
        t.Handler.OnSyscallAction = cpu =>
        {
            Span<ulong> args = stackalloc ulong[ICpu.SyscallRegisterCount];
            cpu.ReadSyscallRegisters(args);
            seen.Add((args[0], args[1], cpu.Read(CpuRegister.Rip)));
            cpu.Write(CpuRegister.Rax, 100);
            if (args[0] == 60)
            {
                cpu.RequestStop();
            }
        };

        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.Stopped, e.Kind);
        Assert.Equal([(39UL, 7UL, Code + 10), (60UL, 101UL, Code + 21)], seen);
        Assert.Equal(Code + 23, t.Cpu.Read(CpuRegister.Rip)); // after the second syscall
        Assert.Equal(100UL, t.Cpu.Read(CpuRegister.Rax));
    }

    [KvmFact]
    public void Without_a_handler_a_syscall_ends_the_run_with_rip_after_it()
    {
        using var t = new CpuHarness(withHandler: false);
        t.Load(X64.MovEax(39), X64.Syscall);
        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.Syscall, e.Kind);
        Assert.Equal(Code + 7, t.Cpu.Read(CpuRegister.Rip));
    }

    [KvmFact]
    public void Page_faults_are_left_to_the_kernel_and_the_page_maps_after_mappings_changed()
    {
        using var t = new CpuHarness();
        KvmGuest.Check(t.Space.MapAlloc(new VirtAddr(Data), 4 * Page, Rw, populate: false));
        t.Load(X64.MovRax(Data), X64.MovDwordToRax(9), X64.MovRdiFromRax, X64.MovEax(60), X64.Syscall);
        t.Handler.OnSyscallAction = cpu => cpu.RequestStop();

        CpuEvent first = t.Cpu.Run(); // the code page is populated, so MappingsChanged mapped it; the data page is lazy
        Assert.Equal(CpuEventKind.PageFault, first.Kind); // the backend resolves nothing itself
        Assert.Equal(Data, first.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, first.Access);
        Assert.False(t.Space.IsPopulated(new VirtAddr(Data)));
        Assert.True(t.Space.HandlePageFault(new VirtAddr(first.Address), first.Access));
        t.Cpu.MappingsChanged(first.Address, first.Address + 1);

        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.Stopped, e.Kind);
        Assert.Equal(9UL, t.Cpu.Read(CpuRegister.Rdi));
        Assert.Empty(t.ResolvedFaults);
        Assert.True(t.Space.IsPopulated(new VirtAddr(Data)));
    }

    [KvmFact]
    public void A_protect_reported_through_mappings_changed_takes_write_access_away_at_once()
    {
        using var t = new CpuHarness();
        KvmGuest.Check(t.Space.MapAlloc(new VirtAddr(Data), Page, Rw, populate: true));
        t.Load(X64.MovRbx(Data), X64.MovDwordToRbx(1), X64.MovEax(10), X64.Syscall, X64.MovDwordToRbx(2));
        t.Handler.OnSyscallAction = cpu =>
        {
            KvmGuest.Check(t.Space.Protect(new VirtAddr(Data), Page, MappingFlags.Read | MappingFlags.User));
            cpu.MappingsChanged(Data, Data + Page);
        };

        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.PageFault, e.Kind);
        Assert.Equal(Data, e.Address);
        Assert.Equal(MappingFlags.Write | MappingFlags.User, e.Access);
        Assert.Equal(Code + 23, t.Cpu.Read(CpuRegister.Rip));
    }

    [KvmFact]
    public void A_protect_to_none_takes_read_access_away_at_once()
    {
        using var t = new CpuHarness();
        KvmGuest.Check(t.Space.MapAlloc(new VirtAddr(Data), Page, Rw, populate: true));
        t.Load(X64.MovRbx(Data), X64.MovRdiFromRbx, X64.MovEax(10), X64.Syscall, X64.MovRdiFromRbx);
        t.Handler.OnSyscallAction = cpu =>
        {
            KvmGuest.Check(t.Space.Protect(new VirtAddr(Data), Page, MappingFlags.User));
            cpu.MappingsChanged(Data, Data + Page);
        };

        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.PageFault, e.Kind);
        Assert.Equal(MappingFlags.Read | MappingFlags.User, e.Access);
        Assert.Equal(Code + 20, t.Cpu.Read(CpuRegister.Rip));
        KvmVirtualMachine vm = t.Cpu.VirtualMachine;
        Assert.Equal(0, vm.ShadowResets); // a shadow-paging KVM drops the one page's entries, not all of user memory
        Assert.Equal(vm.ShadowPaging, vm.ShadowZaps > 0);
    }

    [KvmFact]
    public void Unmap_and_map_again_at_the_same_place_faults_again_on_a_fresh_zero_page()
    {
        using var t = new CpuHarness();
        KvmGuest.Check(t.Space.MapAlloc(new VirtAddr(Data), Page, Rw, populate: false));
        t.Load(X64.MovRbx(Data), X64.MovRdiFromRbx, X64.MovDwordToRbx(7), X64.MovEax(11), X64.Syscall, X64.MovRdiFromRbx, X64.MovEax(60), X64.Syscall);
        t.Handler.OnSyscallAction = cpu =>
        {
            Span<ulong> args = stackalloc ulong[ICpu.SyscallRegisterCount];
            cpu.ReadSyscallRegisters(args);
            if (args[0] == 60)
            {
                cpu.RequestStop();
                return;
            }

            KvmGuest.Check(t.Space.Unmap(new VirtAddr(Data), Page));
            cpu.MappingsChanged(Data, Data + Page);
            KvmGuest.Check(t.Space.MapAlloc(new VirtAddr(Data), Page, Rw, populate: false));
            cpu.MappingsChanged(Data, Data + Page);
        };

        Assert.Equal(CpuEventKind.Stopped, t.RunResolvingFaults().Kind);
        Assert.Equal(0UL, t.Cpu.Read(CpuRegister.Rdi)); // the new mapping reads zero, not the 7
        Assert.Equal([Data, Data], t.ResolvedFaults);
    }

    [KvmFact]
    public void Registers_round_trip_including_fs_and_gs_base()
    {
        using var t = new CpuHarness();
        for (CpuRegister r = CpuRegister.Rax; r < CpuRegister.Count; r++)
        {
            if (r != CpuRegister.Rflags)
            {
                t.Cpu.Write(r, 0x1000 + (ulong)r);
                Assert.Equal(0x1000 + (ulong)r, t.Cpu.Read(r));
            }
        }

        using var fresh = new KvmCpu(t.Space);
        Assert.Equal(0UL, fresh.Read(CpuRegister.Rax)); // a fresh CPU starts at zero
    }

    [KvmFact]
    public void A_handler_that_throws_ends_the_run_with_the_exception_wrapped()
    {
        using var t = new CpuHarness();
        t.Load(X64.MovEax(39), X64.Syscall);
        t.Handler.OnSyscallAction = _ => throw new FormatException("layer bug");
        var e = Assert.Throws<InvalidOperationException>(() => t.RunResolvingFaults());
        Assert.IsType<FormatException>(e.InnerException);
    }

    [KvmFact]
    public void A_user_hlt_is_a_general_protection_exception()
    {
        using var t = new CpuHarness();
        t.Load(X64.Hlt);
        CpuEvent e = t.RunResolvingFaults();
        Assert.Equal(CpuEventKind.Exception, e.Kind);
        Assert.Equal(X86Vector.GeneralProtection, e.Vector);
    }

    /// <summary>A KvmCpu over a fresh 1 GiB space, with the kernel's page-fault loop.</summary>
    private sealed class CpuHarness : IDisposable
    {
        public CpuHarness(bool withHandler = true)
        {
            Space = AddrSpace.Create(new VirtAddr(0x10000), KvmGuest.UserEnd - 0x10000, new AddrSpaceOptions { GuestView = false });
            Cpu = new KvmCpu(Space);
            if (withHandler)
            {
                Cpu.Handler = Handler;
            }

            KvmGuest.Check(Space.MapAlloc(new VirtAddr(KvmGuest.StackTop - KvmGuest.StackSize), KvmGuest.StackSize, Rw, populate: false));
            Cpu.Write(CpuRegister.Rsp, KvmGuest.StackTop);
            Cpu.MappingsChanged(0x10000, KvmGuest.UserEnd);
        }

        public AddrSpace Space { get; }

        public KvmCpu Cpu { get; }

        public RecordingHandler Handler { get; } = new();

        public List<ulong> ResolvedFaults { get; } = [];

        public void Load(params byte[][] parts)
        {
            KvmGuest.Check(Space.MapLinear(new VirtAddr(Code), Page, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, KvmGuest.Concat(parts)));
            Cpu.MappingsChanged(Code, Code + Page);
            Cpu.Write(CpuRegister.Rip, Code);
        }

        /// <summary>Runs like the kernel's task loop: resolves faults the space allows, returns anything else.</summary>
        public CpuEvent RunResolvingFaults()
        {
            while (true)
            {
                CpuEvent e = Cpu.Run();
                if (e.Kind != CpuEventKind.PageFault || !Space.HandlePageFault(new VirtAddr(e.Address), e.Access))
                {
                    return e;
                }

                ResolvedFaults.Add(e.Address & ~(Page - 1));
                Cpu.MappingsChanged(e.Address, e.Address + 1);
            }
        }

        public void Dispose()
        {
            Cpu.Dispose();
            Space.Dispose();
        }
    }

    private sealed class RecordingHandler : ICpuEventHandler
    {
        public Action<ICpu>? OnSyscallAction { get; set; }

        public void OnSyscall(ICpu cpu) => OnSyscallAction?.Invoke(cpu);
    }
}
