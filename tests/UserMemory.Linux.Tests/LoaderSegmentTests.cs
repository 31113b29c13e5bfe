using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using UserMemory.AddressSpace;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>
/// How <see cref="ProgramLoader"/> maps segments and dynamic linkers, on hand-made ELF files: file pages are copies
/// with a zero tail, .bss past the file is a lazy area that costs nothing, pages shared by two segments get both, and
/// PT_INTERP loads the named linker in the mmap area with AT_BASE/AT_ENTRY/AT_PHDR as Linux sets them.
/// </summary>
public sealed class LoaderSegmentTests
{
    private const ulong Text = 0x400000;
    private const ulong PageSize = 0x1000;
    private const uint ReadExecute = 5;
    private const uint ReadWrite = 6;
    private const byte Filler = 0xAA;

    private static readonly (ulong, ulong, ulong, ulong) Identity = (1, 2, 3, 4);

    /// <summary>One PT_LOAD or other program header of a hand-made image.</summary>
    private readonly record struct Header(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize);

    /// <summary>An ELF64 x86-64 file of <paramref name="length"/> bytes filled with <see cref="Filler"/> past the
    /// headers, with the program headers at offset 64.</summary>
    private static byte[] Elf(ushort type, ulong entry, int length, params Header[] headers)
    {
        byte[] f = new byte[length];
        f.AsSpan().Fill(Filler);
        f.AsSpan(0, 64 + (56 * headers.Length)).Clear();
        "\u007fELF"u8.CopyTo(f);
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), type);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 62);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(24), entry);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(56), (ushort)headers.Length);
        for (int i = 0; i < headers.Length; i++)
        {
            Span<byte> ph = f.AsSpan(64 + (56 * i));
            BinaryPrimitives.WriteUInt32LittleEndian(ph, headers[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], headers[i].Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], headers[i].Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], headers[i].VirtualAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], headers[i].FileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], headers[i].MemorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], PageSize);
        }

        return f;
    }

    private static byte[] Read(AddrSpace space, ulong address, int count)
    {
        byte[] bytes = new byte[count];
        Assert.True(UserCopy.CopyIn(space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), (Span<byte>)bytes).IsOk);
        return bytes;
    }

    private static LinuxError Load(AddrSpace space, byte[] file, InterpreterReader reader, out LoadedProgram? program) =>
        ProgramLoader.Load(space, file, reader, [Encoding.ASCII.GetBytes("prog")], [], Encoding.ASCII.GetBytes("/prog"), Identity, out program);

    private static long NoInterpreter(byte[] path, out byte[] file) => throw new InvalidOperationException("no PT_INTERP expected");

    [Fact]
    public void Huge_bss_is_one_lazy_area_that_costs_nothing_until_touched()
    {
        const ulong bss = 900UL << 20;
        byte[] file = Elf(ElfImage.TypeExecutable, Text + 0x78, 0x2000, new Header(ElfSegment.Load, ReadWrite, 0, Text, 0x1100, 0x1100 + bss));
        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        Assert.Equal(LinuxError.None, Load(space, file, NoInterpreter, out LoadedProgram? program));

        MemoryAreaInfo lazy = Assert.Single(space.GetAreas(), a => a.Range.Start.Value == Text + 0x2000);
        Assert.True(lazy.IsLazy);
        Assert.Equal(Pages.AlignDown4K(Text + 0x1100 + bss + PageSize - 1), lazy.Range.End.Value);
        Assert.Equal(lazy.Range.End.Value, program!.BrkStart);
        Assert.True(space.CommittedBytes < (1UL << 20), $"{space.CommittedBytes} bytes committed by loading");

        // The first byte past the file in the last file page is zero, and the .bss far away reads zero and takes a write.
        Assert.Equal(new byte[] { Filler, 0 }, Read(space, Text + 0x10FF, 2));
        ulong far = Text + 0x1100 + (bss / 2);
        Assert.Equal(new byte[8], Read(space, far, 8));
        Assert.True(UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(new VirtAddr(far)), (ReadOnlySpan<byte>)[7]).IsOk);
        Assert.Equal(new byte[] { 7 }, Read(space, far, 1));
    }

    [Fact]
    public void Page_shared_by_text_and_data_gets_both_permissions_and_both_contents()
    {
        byte[] file = Elf(
            ElfImage.TypeExecutable, Text + 0x78, 0x2000,
            new Header(ElfSegment.Load, ReadExecute, 0, Text, 0x800, 0x800),
            new Header(ElfSegment.Load, ReadWrite, 0x800, Text + 0x800, 0x100, 0x3000));
        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        Assert.Equal(LinuxError.None, Load(space, file, NoInterpreter, out _));

        IReadOnlyList<MemoryAreaInfo> areas = space.GetAreas();
        MemoryAreaInfo shared = Assert.Single(areas, a => a.Range.Start.Value == Text);
        Assert.Equal(MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute | MappingFlags.User, shared.Flags);
        Assert.Equal(Text + PageSize, shared.Range.End.Value);
        Assert.Contains(areas, a => a.Range.Start.Value == Text + PageSize && a.IsLazy && (a.Flags & MappingFlags.Execute) == 0);
        Assert.Equal(new byte[] { Filler, Filler }, Read(space, Text + 0x7FF, 2)); // last text byte, first data byte
        Assert.Equal(new byte[] { Filler, 0 }, Read(space, Text + 0x8FF, 2)); // last data byte, then the zero tail
    }

    [Fact]
    public void Dynamic_program_starts_in_its_interpreter_with_AT_BASE_AT_ENTRY_and_AT_PHDR_set()
    {
        const ulong programEntry = 0x1040;
        const ulong linkerEntry = 0x2000;
        byte[] program = Elf(
            ElfImage.TypeDynamic, programEntry, 0x3000,
            new Header(ElfSegment.ProgramHeaders, 4, 64, 64, 56 * 3, 56 * 3),
            new Header(ElfSegment.Interpreter, 4, 0x200, 0x200, 8, 8),
            new Header(ElfSegment.Load, ReadExecute, 0, 0, 0x2000, 0x2000));
        "/ld.so\0\0"u8.CopyTo(program.AsSpan(0x200));
        byte[] linker = Elf(ElfImage.TypeDynamic, linkerEntry, 0x3000, new Header(ElfSegment.Load, ReadExecute, 0, 0, 0x3000, 0x4000));
        byte[]? asked = null;
        long Reader(byte[] path, out byte[] file)
        {
            asked = path;
            file = linker;
            return 0;
        }

        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        Assert.Equal(LinuxError.None, Load(space, program, Reader, out LoadedProgram? loaded));

        Assert.Equal("/ld.so"u8.ToArray(), asked);
        var auxv = loaded!.Stack.AuxiliaryVector.ToDictionary(kv => kv.Key, kv => kv.Value);
        ulong linkerBase = auxv[AuxvType.InterpreterBase];
        Assert.InRange(linkerBase, GuestLayout.MmapBase, GuestLayout.StackBottom);
        Assert.Equal(linkerBase + linkerEntry, loaded.Entry);
        Assert.Equal(loaded.LoadBase + programEntry, auxv[AuxvType.Entry]);
        Assert.Equal(loaded.LoadBase + 64, auxv[AuxvType.ProgramHeaders]);
        Assert.Equal(3UL, auxv[AuxvType.ProgramHeaderCount]);
        Assert.Equal(Read(space, auxv[AuxvType.ProgramHeaders], 56), program.AsSpan(64, 56).ToArray());
        Assert.Equal(linker.AsSpan(0, 64).ToArray(), Read(space, linkerBase, 64));
        Assert.Contains(space.GetAreas(), a => a.Range.Start.Value == linkerBase + 0x3000 && a.IsLazy);
    }

    [Fact]
    public void Missing_or_bad_interpreter_fails_and_leaves_the_space_empty()
    {
        byte[] program = Elf(
            ElfImage.TypeExecutable, Text + 0x78, 0x2000,
            new Header(ElfSegment.Interpreter, 4, 0x200, 0x200, 7, 7),
            new Header(ElfSegment.Load, ReadExecute, 0, Text, 0x1000, 0x1000));
        "/ld.so\0"u8.CopyTo(program.AsSpan(0x200));
        using AddrSpace space = ThreadGroup.CreateAddressSpace();

        Assert.Equal(LinuxError.ENOENT, Load(space, program, (byte[] p, out byte[] f) => { f = []; return -(long)LinuxError.ENOENT; }, out LoadedProgram? none));
        Assert.Null(none);
        Assert.Empty(space.GetAreas());

        Assert.Equal(LinuxError.ELIBBAD, Load(space, program, (byte[] p, out byte[] f) => { f = new byte[64]; return 0; }, out _));
        Assert.Empty(space.GetAreas());

        program[0x206] = (byte)'x'; // PT_INTERP no longer NUL-terminated
        Assert.Equal(LinuxError.ENOEXEC, Load(space, program, NoInterpreter, out _));
        Assert.Empty(space.GetAreas());
    }

    [Fact]
    public void Host_dynamic_executable_loads_with_its_dynamic_linker()
    {
        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        Assert.Equal(LinuxError.None, ProgramLoader.Load(space, File.ReadAllBytes("/bin/true"), [Encoding.ASCII.GetBytes("true")], [], Encoding.ASCII.GetBytes("/bin/true"), Identity, out LoadedProgram? program));
        var auxv = program!.Stack.AuxiliaryVector.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.NotEqual(0UL, auxv[AuxvType.InterpreterBase]);
        MemoryAreaInfo entryArea = Assert.Single(space.GetAreas(), a => a.Range.Start.Value <= program.Entry && program.Entry < a.Range.End.Value);
        Assert.True((entryArea.Flags & MappingFlags.Execute) != 0);
        Assert.True(entryArea.Range.Start.Value >= auxv[AuxvType.InterpreterBase]);
        Assert.NotEqual(program.Entry, auxv[AuxvType.Entry]);
    }

    [Fact]
    public void Executable_check_accepts_a_dynamic_program_and_refuses_a_missing_linker_with_ENOENT()
    {
        var argv = new List<byte[]> { "true"u8.ToArray() };
        byte[] path = "/bin/true"u8.ToArray();
        Assert.Equal(0, ExecutableCheck.Resolve(ref path, argv));

        string directory = Directory.CreateTempSubdirectory("usermem-loader-").FullName;
        try
        {
            byte[] program = Elf(
                ElfImage.TypeExecutable, Text + 0x78, 0x2000,
                new Header(ElfSegment.Interpreter, 4, 0x200, 0x200, 14, 14),
                new Header(ElfSegment.Load, ReadExecute, 0, Text, 0x1000, 0x1000));
            "/nonexistent/\0"u8.CopyTo(program.AsSpan(0x200));
            string file = Path.Combine(directory, "prog");
            File.WriteAllBytes(file, program);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            byte[] p = Encoding.UTF8.GetBytes(file);
            Assert.Equal(-(long)LinuxError.ENOENT, ExecutableCheck.Resolve(ref p, argv));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
