using System;
using System.Buffers.Binary;
using System.Text;
using UserMemory.Linux.Loader.Vdso;

namespace UserMemory.Linux.Tests;

/// <summary>The vDSO image's ELF structure as the C libraries read it (tests/probes/vdso.c reads it in the guest).</summary>
public sealed class VdsoImageTests
{
    [Fact]
    public void Version_hash_is_the_one_libraries_look_up() =>
        Assert.Equal(0x3ae75f6u, VdsoImage.ElfHash(VdsoImage.Version)); // glibc's VDSO_HASH_LINUX_2_6, Go's vdsoLinuxVersion

    [Fact]
    public void Every_export_is_found_through_the_hash_table()
    {
        ReadOnlySpan<byte> image = VdsoImage.Bytes;
        Assert.Equal(VdsoImage.Size, image.Length);
        Assert.True(image[..4].SequenceEqual("\u007fELF"u8));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(image[32..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(image[56..]);
        long hash = 0, symtab = 0, strtab = 0;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = image[(int)(phoff + ((ulong)i * 56))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 2)
            {
                continue;
            }

            for (int at = (int)BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]); ; at += 16)
            {
                long tag = BinaryPrimitives.ReadInt64LittleEndian(image[at..]);
                long value = BinaryPrimitives.ReadInt64LittleEndian(image[(at + 8)..]);
                if (tag == 0)
                {
                    break;
                }

                (hash, symtab, strtab) = tag switch { 4 => (value, symtab, strtab), 6 => (hash, value, strtab), 5 => (hash, symtab, value), _ => (hash, symtab, strtab) };
            }
        }

        Assert.True(hash > 0 && symtab > 0 && strtab > 0);
        foreach (string name in new[] { "__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres", "clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres" })
        {
            uint nbucket = BinaryPrimitives.ReadUInt32LittleEndian(image[(int)hash..]);
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(image[((int)hash + 8 + (int)(4 * (VdsoImage.ElfHash(name) % nbucket)))..]);
            bool found = false;
            while (index != 0 && !found)
            {
                ReadOnlySpan<byte> sym = image[((int)symtab + ((int)index * 24))..];
                int nameAt = (int)strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(sym);
                int end = image[nameAt..].IndexOf((byte)0);
                found = Encoding.ASCII.GetString(image.Slice(nameAt, end)) == name;
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(sym[8..]);
                Assert.True(!found || (value > 0 && value < VdsoImage.Size && (sym[4] & 0xF) == 2), name);
                index = BinaryPrimitives.ReadUInt32LittleEndian(image[((int)hash + 8 + (4 * (int)nbucket) + (4 * (int)index))..]);
            }

            Assert.True(found, name);
        }
    }
}
