using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>A 1 GiB address space with one VM and one vCPU, and a code page at <see cref="CodeAddress"/>.</summary>
internal sealed class KvmGuest : IDisposable
{
    public const ulong CodeAddress = 0x40_0000;
    public const ulong DataAddress = 0x100_0000;
    public const ulong StackTop = 0x800_0000;
    public const ulong StackSize = 0x1_0000;
    public const ulong UserEnd = 1UL << 30;
    public const ulong PageSize = 4096;

    public KvmGuest(ulong memoryLimit = AddrSpaceOptions.DefaultMemoryLimit, int faultAroundPages = AddrSpaceOptions.DefaultAnonymousFaultAroundPages)
    {
        Space = AddrSpace.Create(new VirtAddr(0x10000), UserEnd - 0x10000, new AddrSpaceOptions { MemoryLimit = memoryLimit, GuestView = false, AnonymousFaultAroundPages = faultAroundPages });
        Vm = KvmVirtualMachine.Create(Space);
        Vcpu = Vm.CreateVcpu();
        Check(Space.MapAlloc(new VirtAddr(StackTop - StackSize), StackSize, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, populate: false));
        Vcpu.Registers.Rsp = StackTop;
    }

    public AddrSpace Space { get; }

    public KvmVirtualMachine Vm { get; }

    public KvmVcpu Vcpu { get; }

    public ref KvmUserRegisters Regs => ref Vcpu.Registers;

    public static void Check(LinuxError e) => Assert.Equal(LinuxError.None, e);

    /// <summary>Maps <paramref name="code"/> read+execute at <see cref="CodeAddress"/> and points RIP at it.</summary>
    public void LoadCode(params byte[][] parts)
    {
        byte[] code = Concat(parts);
        Check(Space.MapLinear(new VirtAddr(CodeAddress), PageSize, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, code));
        Vm.InvalidateRange(new VirtAddr(CodeAddress), PageSize);
        Regs.Rip = CodeAddress;
    }

    public KvmEvent Run() => Vcpu.Run();

    /// <summary>Runs and expects a syscall stop.</summary>
    public void RunToSyscall(ulong number)
    {
        KvmEvent e = Run();
        Assert.True(e.Kind == KvmEventKind.Syscall, $"expected a syscall, got {e} at RIP {Regs.Rip:x}");
        Assert.Equal(number, Regs.Rax);
    }

    public static byte[] Concat(params byte[][] parts)
    {
        int length = 0;
        foreach (byte[] p in parts)
        {
            length += p.Length;
        }

        byte[] all = new byte[length];
        int at = 0;
        foreach (byte[] p in parts)
        {
            p.CopyTo(all, at);
            at += p.Length;
        }

        return all;
    }

    public void Dispose()
    {
        Vm.Dispose();
        Space.Dispose();
    }
}
