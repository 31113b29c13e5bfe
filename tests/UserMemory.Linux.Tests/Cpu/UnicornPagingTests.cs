using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Unicorn;

namespace UserMemory.Linux.Tests.Cpu;

/// <summary>The Unicorn backend against the ICpu contract, in process: lazy pages arrive as page faults, privileged
/// instructions as #GP, removed execute permission as an execute fault, and the region count never grows.</summary>
public sealed class UnicornPagingTests
{
    private const ulong UserStart = 0x10000;
    private const ulong UserEnd = 1UL << 30;
    private const ulong Code = 0x40_0000;
    private const ulong Data = 0x60_0000;
    private const ulong Page = 4096;

    // mov byte ptr [0x600000], 1 ; hlt
    private static readonly byte[] StoreThenHalt = [0xC6, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00, 0x01, 0xF4];

    [Fact]
    public void A_lazy_page_faults_until_the_address_space_populates_it()
    {
        using AddrSpace space = NewSpace();
        Assert.Equal(LinuxError.None, space.MapLinear(new VirtAddr(Code), Page, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, StoreThenHalt));
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(Data), Page, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, false));
        using var cpu = NewCpu(space);
        cpu.Write(CpuRegister.Rip, Code);
        ulong committed = space.CommittedBytes;

        CpuEvent first = cpu.Run();
        Assert.Equal(CpuEventKind.PageFault, first.Kind);
        Assert.Equal(Data, first.Address);
        Assert.Equal(Code, cpu.Read(CpuRegister.Rip));
        Assert.False(space.IsPopulated(new VirtAddr(Data)));
        Assert.Equal(committed, space.CommittedBytes);

        Assert.True(space.HandlePageFault(new VirtAddr(first.Address), first.Access));
        cpu.MappingsChanged(first.Address, first.Address + 1);
        CpuEvent second = cpu.Run();
        Assert.Equal(CpuEventKind.Exception, second.Kind);
        Assert.Equal(X86Vector.GeneralProtection, second.Vector); // hlt at CPL 3
        Assert.Equal(committed + Page, space.CommittedBytes);
        Assert.Equal(1, Peek(space, Data));
    }

    [Fact]
    public void Removing_execute_permission_stops_code_that_already_ran()
    {
        using AddrSpace space = NewSpace();
        Assert.Equal(LinuxError.None, space.MapLinear(new VirtAddr(Code), Page, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, [0xF4]));
        using var cpu = NewCpu(space);
        cpu.Write(CpuRegister.Rip, Code);
        Assert.Equal(X86Vector.GeneralProtection, cpu.Run().Vector);

        Assert.Equal(LinuxError.None, space.Protect(new VirtAddr(Code), Page, MappingFlags.Read | MappingFlags.Write | MappingFlags.User));
        cpu.MappingsChanged(Code, Code + Page);
        cpu.Write(CpuRegister.Rip, Code);
        CpuEvent e = cpu.Run();
        Assert.Equal(CpuEventKind.PageFault, e.Kind);
        Assert.Equal(Code, e.Address);
        Assert.Equal(MappingFlags.Execute | MappingFlags.User, e.Access);
        Assert.False(space.HandlePageFault(new VirtAddr(e.Address), e.Access));
    }

    [Fact]
    public void Jumping_to_address_zero_is_a_page_fault_not_a_stop()
    {
        using AddrSpace space = NewSpace();
        using var cpu = NewCpu(space);
        cpu.Write(CpuRegister.Rip, 0);
        CpuEvent e = cpu.Run();
        Assert.Equal(CpuEventKind.PageFault, e.Kind);
        Assert.Equal(0UL, e.Address);
        Assert.Equal(MappingFlags.Execute | MappingFlags.User, e.Access);
    }

    [Fact]
    public void Thousands_of_areas_keep_two_regions()
    {
        using AddrSpace space = NewSpace();
        using var cpu = NewCpu(space);
        for (ulong i = 0; i < 5000; i++)
        {
            ulong at = Data + (i * Page);
            MappingFlags flags = MappingFlags.User | MappingFlags.Read | ((i & 1) == 0 ? MappingFlags.Write : 0);
            Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(at), Page, flags, true));
            cpu.MappingsChanged(at, at + Page);
        }

        Assert.Equal(5000, space.AreaCount);
        Assert.Equal(2, cpu.MappedRegionCount);
        Assert.True(cpu.MappedRegionCount < cpu.MaxMappedRegions);
    }

    private static AddrSpace NewSpace() =>
        AddrSpace.Create(new VirtAddr(UserStart), UserEnd - UserStart, new AddrSpaceOptions { GuestView = false });

    private static UnicornCpu NewCpu(AddrSpace space) => new(space) { Handler = new NoSyscalls() };

    private static byte Peek(AddrSpace space, ulong address) => System.Runtime.InteropServices.Marshal.ReadByte(space.KernelBase + (nint)address);

    private sealed class NoSyscalls : ICpuEventHandler
    {
        public void OnSyscall(ICpu cpu) => cpu.RequestStop();
    }
}
