using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using UserMemory.AddressSpace;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

public sealed class ProgramLoaderTests
{
    private static (AddrSpace Space, LoadedProgram Program) LoadBusybox(string[] argv, string[] envp)
    {
        AddrSpace space = ThreadGroup.CreateAddressSpace();
        LinuxError e = ProgramLoader.Load(space, File.ReadAllBytes("/bin/busybox"), argv.Select(Encoding.UTF8.GetBytes).ToList(), envp.Select(Encoding.UTF8.GetBytes).ToList(), "/bin/busybox"u8.ToArray(), (1, 2, 3, 4), out LoadedProgram? program);
        Assert.Equal(LinuxError.None, e);
        return (space, program!);
    }

    [Fact]
    public void Busybox_segments_become_areas_with_their_permissions_and_a_lazy_stack()
    {
        (AddrSpace space, LoadedProgram program) = LoadBusybox(["busybox", "true"], ["A=1"]);
        using (space)
        {
            IReadOnlyList<MemoryAreaInfo> areas = space.GetAreas();
            Assert.Contains(areas, a => (a.Flags & MappingFlags.Execute) != 0 && (a.Flags & MappingFlags.Write) == 0);
            Assert.Contains(areas, a => (a.Flags & MappingFlags.Write) != 0 && a.Range.End.Value <= program.BrkStart);
            MemoryAreaInfo stack = Assert.Single(areas, a => a.Range.End.Value == GuestLayout.StackTop);
            Assert.True(stack.IsLazy);
            Assert.Equal(GuestLayout.StackSize, stack.Range.Size);
            Assert.Equal(0UL, program.StackPointer % 16);
            Assert.Equal(0UL, program.BrkStart % Pages.Size4K);
            Assert.InRange(program.Entry, areas.Min(a => a.Range.Start.Value), program.BrkStart);
        }
    }

    [Fact]
    public void Stack_in_guest_memory_holds_argc_argv_and_an_auxv_pointing_at_the_program_headers()
    {
        (AddrSpace space, LoadedProgram program) = LoadBusybox(["busybox", "echo", "hi"], ["HOME=/root"]);
        using (space)
        {
            Assert.Equal(3UL, UserCopy.ReadValue(space, UserConstPtr<ulong>.FromAddress(new VirtAddr(program.StackPointer))).Value);
            ulong argv1 = UserCopy.ReadValue(space, UserConstPtr<ulong>.FromAddress(new VirtAddr(program.StackPointer + 16))).Value;
            Assert.Equal("echo", UserConstPtr<byte>.FromAddress(new VirtAddr(argv1)).GetAsStr(space).Value);
            var auxv = program.Stack.AuxiliaryVector.ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal(1UL, auxv[AuxvType.Uid]);
            Assert.Equal(4UL, auxv[AuxvType.EffectiveGid]);
            Assert.Equal(program.Entry, auxv[AuxvType.Entry]);
            // AT_PHDR points at the ELF program headers, which start with PT_LOAD or PT_PHDR entries.
            uint firstType = UserCopy.ReadValue(space, UserConstPtr<uint>.FromAddress(new VirtAddr(auxv[AuxvType.ProgramHeaders]))).Value;
            Assert.Contains(firstType, new uint[] { ElfSegment.Load, ElfSegment.ProgramHeaders });
            Assert.Equal(56UL, auxv[AuxvType.ProgramHeaderSize]);
        }
    }

    [Fact]
    public void Garbage_files_are_refused_with_ENOEXEC()
    {
        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        Assert.Equal(LinuxError.ENOEXEC, ProgramLoader.Load(space, new byte[64], [], [], [], (0, 0, 0, 0), out _));
        Assert.Empty(space.GetAreas());
    }
}
