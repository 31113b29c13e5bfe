using System;
using System.Buffers.Binary;
using System.IO;
using UserMemory.Linux.Loader;

namespace UserMemory.Linux.Tests;

public sealed class ElfImageTests
{
    private static byte[] MinimalElf(ushort type = ElfImage.TypeExecutable, ushort phnum = 1, ulong phoff = 64, ulong filesz = 0x100, ulong memsz = 0x200, ulong offset = 0, ulong vaddr = 0x400000)
    {
        byte[] f = new byte[0x1000];
        "\u007fELF"u8.CopyTo(f);
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), type);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 62);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(24), vaddr + 0x78);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(32), phoff);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(56), phnum);
        if (phoff <= (ulong)f.Length - 56)
        {
            Span<byte> ph = f.AsSpan((int)phoff);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, ElfSegment.Load);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], filesz);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], memsz);
        }

        return f;
    }

    [Fact]
    public void Parses_a_minimal_executable()
    {
        Assert.Equal(LinuxError.None, ElfImage.TryParse(MinimalElf(), out ElfImage? image));
        Assert.Equal(0x400078UL, image!.Entry);
        ElfSegment s = Assert.Single(image.Segments);
        Assert.Equal(MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, s.MappingFlags);
        Assert.False(image.NeedsInterpreter);
        Assert.False(image.IsPositionIndependent);
    }

    [Fact]
    public void Parses_the_real_busybox_as_a_static_executable()
    {
        Assert.Equal(LinuxError.None, ElfImage.TryParse(File.ReadAllBytes("/bin/busybox"), out ElfImage? image));
        Assert.False(image!.NeedsInterpreter);
        Assert.Contains(image.Segments, s => s.Type == ElfSegment.Load && (s.Flags & 1) != 0);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("not_elf")]
    [InlineData("truncated_header")]
    [InlineData("32_bit")]
    [InlineData("wrong_machine")]
    [InlineData("relocatable")]
    [InlineData("phdrs_past_end")]
    [InlineData("phoff_overflow")]
    [InlineData("segment_past_end")]
    [InlineData("filesz_above_memsz")]
    [InlineData("offset_vaddr_misaligned")]
    [InlineData("no_phdrs")]
    public void Rejects_hostile_files_with_ENOEXEC(string variant)
    {
        byte[] file = variant switch
        {
            "empty" => [],
            "not_elf" => new byte[100],
            "truncated_header" => MinimalElf()[..40],
            "32_bit" => Patch(MinimalElf(), 4, 1),
            "wrong_machine" => Patch(MinimalElf(), 18, 3),
            "relocatable" => Patch(MinimalElf(), 16, 1),
            "phdrs_past_end" => MinimalElf(phnum: 1000),
            "phoff_overflow" => MinimalElf(phoff: ulong.MaxValue - 10),
            "segment_past_end" => MinimalElf(offset: 0xF00, filesz: 0x200, vaddr: 0x400F00),
            "filesz_above_memsz" => MinimalElf(filesz: 0x300, memsz: 0x200),
            "offset_vaddr_misaligned" => MinimalElf(offset: 0x10, vaddr: 0x400000),
            "no_phdrs" => MinimalElf(phnum: 0),
            _ => throw new ArgumentException(variant),
        };
        Assert.Equal(LinuxError.ENOEXEC, ElfImage.TryParse(file, out ElfImage? image));
        Assert.Null(image);
    }

    private static byte[] Patch(byte[] f, int at, byte value)
    {
        f[at] = value;
        return f;
    }
}
