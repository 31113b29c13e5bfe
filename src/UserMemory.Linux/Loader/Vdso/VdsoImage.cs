using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace UserMemory.Linux.Loader.Vdso;

/// <summary>
/// The vDSO: a small ELF shared object the loader maps into every process (<c>AT_SYSINFO_EHDR</c>), exporting
/// <c>__vdso_clock_gettime</c>, <c>__vdso_gettimeofday</c>, <c>__vdso_time</c>, <c>__vdso_getcpu</c> and
/// <c>__vdso_clock_getres</c> (and their unprefixed weak aliases) at version <c>LINUX_2.6</c>, as Linux's x86-64 vDSO
/// does. glibc (dynamic and static), musl and Go find them the same way: program headers (PT_LOAD, PT_DYNAMIC), then
/// the dynamic section's DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM and DT_VERDEF.
/// </summary>
/// <remarks>
/// <para>One page, linked at 0 (every address below is an offset into the image): the ELF header, two program headers,
/// the SysV hash table (one bucket), the symbol table, the strings, the version table and definitions, the dynamic
/// section, then the code (<see cref="VdsoCode"/>). No section headers: no loader needs them. The clock page
/// (<see cref="VvarLayout"/>) is the page below the image.</para>
/// <para>Built once per process; the bytes never change.</para>
/// </remarks>
internal static class VdsoImage
{
    /// <summary>The image's size (one page).</summary>
    public const int Size = 4096;

    /// <summary>The clock page's size, mapped right below the image.</summary>
    public const int ClockPageSize = 4096;

    /// <summary>The shared object's name (DT_SONAME), as Linux's.</summary>
    public const string SharedObjectName = "linux-vdso.so.1";

    /// <summary>The version the symbols carry.</summary>
    public const string Version = "LINUX_2.6";

    private const int ElfHeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int ProgramHeaderCount = 2;
    private const int SymbolSize = 24;
    private const int DynamicEntrySize = 16;
    private const int VerdefSize = 20;
    private const int VerdauxSize = 8;
    private const int CodeAlignment = 16;

    private const ushort ElfTypeShared = 3;
    private const ushort MachineX8664 = 62;
    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const uint FlagExecute = 1;
    private const uint FlagRead = 4;
    private const byte BindGlobal = 1;
    private const byte BindWeak = 2;
    private const byte TypeFunction = 2;

    /// <summary>Any section index but SHN_UNDEF: glibc, musl and Go skip undefined symbols.</summary>
    private const ushort DefinedSection = 1;

    private const ushort VersionBase = 1;
    private const ushort VersionLinux26 = 2;
    private const ushort VerFlagBase = 1;

    private const long DtNull = 0, DtHash = 4, DtStrtab = 5, DtSymtab = 6, DtStrsz = 10, DtSyment = 11, DtSoname = 14;
    private const long DtVersym = 0x6ffffff0, DtVerdef = 0x6ffffffc, DtVerdefnum = 0x6ffffffd;

    private static readonly Lazy<byte[]> Built = new(Build);

    /// <summary>The image's bytes.</summary>
    public static ReadOnlySpan<byte> Bytes => Built.Value;

    /// <summary>The classic ELF hash (<c>elf_hash</c>), which DT_HASH and the version definitions use.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The hash.</returns>
    internal static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xF000_0000;
            if (g != 0)
            {
                h ^= g >> 24;
            }

            h &= ~g;
        }

        return h;
    }

    private static byte[] Build()
    {
        var exports = new (string Name, VdsoCode.Function Function, byte Bind)[]
        {
            ("__vdso_clock_gettime", VdsoCode.Function.ClockGettime, BindGlobal),
            ("clock_gettime", VdsoCode.Function.ClockGettime, BindWeak),
            ("__vdso_gettimeofday", VdsoCode.Function.Gettimeofday, BindGlobal),
            ("gettimeofday", VdsoCode.Function.Gettimeofday, BindWeak),
            ("__vdso_time", VdsoCode.Function.Time, BindGlobal),
            ("time", VdsoCode.Function.Time, BindWeak),
            ("__vdso_getcpu", VdsoCode.Function.Getcpu, BindGlobal),
            ("getcpu", VdsoCode.Function.Getcpu, BindWeak),
            ("__vdso_clock_getres", VdsoCode.Function.ClockGetres, BindGlobal),
            ("clock_getres", VdsoCode.Function.ClockGetres, BindWeak),
        };
        int symbolCount = exports.Length + 1; // index 0 is the null symbol

        // Strings: "\0", the soname, the version, then every symbol name.
        var strings = new List<byte> { 0 };
        int AddString(string s)
        {
            int at = strings.Count;
            strings.AddRange(Encoding.ASCII.GetBytes(s));
            strings.Add(0);
            return at;
        }

        int sonameAt = AddString(SharedObjectName);
        int versionAt = AddString(Version);
        int[] nameAt = new int[exports.Length];
        for (int i = 0; i < exports.Length; i++)
        {
            nameAt[i] = AddString(exports[i].Name);
        }

        // Layout.
        int hashAt = ElfHeaderSize + (ProgramHeaderCount * ProgramHeaderSize);
        int hashSize = (2 + 1 + symbolCount) * sizeof(uint); // nbucket, nchain, one bucket, the chain
        int symtabAt = Align(hashAt + hashSize, sizeof(ulong));
        int strtabAt = symtabAt + (symbolCount * SymbolSize);
        int versymAt = Align(strtabAt + strings.Count, sizeof(ushort));
        int verdefAt = Align(versymAt + (symbolCount * sizeof(ushort)), sizeof(uint));
        int verdefSize = 2 * (VerdefSize + VerdauxSize);
        int dynamicAt = Align(verdefAt + verdefSize, sizeof(ulong));
        const int DynamicEntries = 10;
        int textAt = Align(dynamicAt + (DynamicEntries * DynamicEntrySize), CodeAlignment);
        (byte[] code, Dictionary<VdsoCode.Function, (int Offset, int Length)> functions) = VdsoCode.Assemble(textAt, ClockPageSize);
        if (textAt + code.Length > Size)
        {
            throw new InvalidOperationException("the vDSO does not fit its page");
        }

        byte[] image = new byte[Size];
        Span<byte> s = image;

        // ELF header.
        s[0] = 0x7F;
        s[1] = (byte)'E';
        s[2] = (byte)'L';
        s[3] = (byte)'F';
        s[4] = 2; // ELFCLASS64
        s[5] = 1; // ELFDATA2LSB
        s[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], ElfTypeShared);
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], MachineX8664);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1); // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], ElfHeaderSize); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], ElfHeaderSize); // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], ProgramHeaderSize); // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], ProgramHeaderCount); // e_phnum
        BinaryPrimitives.WriteUInt16LittleEndian(s[58..], 64); // e_shentsize (no section headers follow)

        // Program headers.
        WriteProgramHeader(s[ElfHeaderSize..], PtLoad, FlagRead | FlagExecute, 0, Size, Size);
        WriteProgramHeader(s[(ElfHeaderSize + ProgramHeaderSize)..], PtDynamic, FlagRead, (ulong)dynamicAt, DynamicEntries * DynamicEntrySize, sizeof(ulong));

        // Hash: one bucket holding the last symbol, each symbol chaining to the one before it.
        Span<byte> hash = s[hashAt..];
        BinaryPrimitives.WriteUInt32LittleEndian(hash, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(hash[4..], (uint)symbolCount);
        BinaryPrimitives.WriteUInt32LittleEndian(hash[8..], (uint)(symbolCount - 1));
        for (int i = 1; i < symbolCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(hash[(12 + (4 * i))..], (uint)(i - 1));
        }

        // Symbols and their versions.
        for (int i = 0; i < exports.Length; i++)
        {
            Span<byte> sym = s[(symtabAt + ((i + 1) * SymbolSize))..];
            (int offset, int length) = functions[exports[i].Function];
            BinaryPrimitives.WriteUInt32LittleEndian(sym, (uint)nameAt[i]);
            sym[4] = (byte)((exports[i].Bind << 4) | TypeFunction);
            BinaryPrimitives.WriteUInt16LittleEndian(sym[6..], DefinedSection);
            BinaryPrimitives.WriteUInt64LittleEndian(sym[8..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(sym[16..], (ulong)length);
            BinaryPrimitives.WriteUInt16LittleEndian(s[(versymAt + ((i + 1) * sizeof(ushort)))..], VersionLinux26);
        }

        strings.ToArray().CopyTo(s[strtabAt..]);

        // Version definitions: the object itself (base), then LINUX_2.6.
        WriteVerdef(s[verdefAt..], VerFlagBase, VersionBase, ElfHash(SharedObjectName), sonameAt, VerdefSize + VerdauxSize);
        WriteVerdef(s[(verdefAt + VerdefSize + VerdauxSize)..], 0, VersionLinux26, ElfHash(Version), versionAt, 0);

        // Dynamic section.
        ReadOnlySpan<(long Tag, long Value)> dynamic =
        [
            (DtHash, hashAt), (DtStrtab, strtabAt), (DtSymtab, symtabAt), (DtStrsz, strings.Count), (DtSyment, SymbolSize),
            (DtSoname, sonameAt), (DtVersym, versymAt), (DtVerdef, verdefAt), (DtVerdefnum, 2), (DtNull, 0),
        ];
        for (int i = 0; i < dynamic.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[(dynamicAt + (i * DynamicEntrySize))..], dynamic[i].Tag);
            BinaryPrimitives.WriteInt64LittleEndian(s[(dynamicAt + (i * DynamicEntrySize) + sizeof(long))..], dynamic[i].Value);
        }

        code.CopyTo(s[textAt..]);
        return image;
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    private static void WriteProgramHeader(Span<byte> p, uint type, uint flags, ulong offset, ulong size, ulong alignment)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(p, type);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);  // p_offset
        BinaryPrimitives.WriteUInt64LittleEndian(p[16..], offset); // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], offset); // p_paddr
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], size);   // p_filesz
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], size);   // p_memsz
        BinaryPrimitives.WriteUInt64LittleEndian(p[48..], alignment);
    }

    private static void WriteVerdef(Span<byte> d, ushort flags, ushort index, uint hash, int nameAt, int next)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(d, 1); // vd_version
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], index);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], 1); // vd_cnt
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], hash);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], VerdefSize); // vd_aux
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], (uint)next);
        BinaryPrimitives.WriteUInt32LittleEndian(d[VerdefSize..], (uint)nameAt); // vda_name
        BinaryPrimitives.WriteUInt32LittleEndian(d[(VerdefSize + 4)..], 0);      // vda_next
    }
}
