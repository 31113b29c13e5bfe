using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace UserMemory.Linux.Loader;

/// <summary>
/// The parts of an ELF64 little-endian x86-64 executable a loader needs: the header and the program headers.
/// Parsing validates every offset against the file length, so a hostile file yields an error, never an exception
/// from out-of-range reads.
/// </summary>
public sealed class ElfImage
{
    /// <summary>ET_EXEC.</summary>
    public const ushort TypeExecutable = 2;

    /// <summary>ET_DYN (shared object or position-independent executable).</summary>
    public const ushort TypeDynamic = 3;

    private ElfImage(ushort type, ulong entry, ulong programHeaderOffset, ushort programHeaderSize, IReadOnlyList<ElfSegment> segments)
    {
        Type = type;
        Entry = entry;
        ProgramHeaderOffset = programHeaderOffset;
        ProgramHeaderEntrySize = programHeaderSize;
        Segments = segments;
    }

    /// <summary>e_type: <see cref="TypeExecutable"/> or <see cref="TypeDynamic"/>.</summary>
    public ushort Type { get; }

    /// <summary>e_entry (relative to the load base for <see cref="TypeDynamic"/>).</summary>
    public ulong Entry { get; }

    /// <summary>e_phoff.</summary>
    public ulong ProgramHeaderOffset { get; }

    /// <summary>e_phentsize.</summary>
    public ushort ProgramHeaderEntrySize { get; }

    /// <summary>The program headers in file order.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; }

    /// <summary>True when a PT_INTERP segment asks for a dynamic linker.</summary>
    public bool NeedsInterpreter
    {
        get
        {
            foreach (ElfSegment s in Segments)
            {
                if (s.Type == ElfSegment.Interpreter)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>True for a position-independent image that must be placed at a chosen base.</summary>
    public bool IsPositionIndependent => Type == TypeDynamic;

    /// <summary>True when <paramref name="file"/> starts with the ELF magic.</summary>
    /// <param name="file">The file's first bytes.</param>
    /// <returns>Whether it looks like ELF.</returns>
    public static bool HasElfMagic(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7f && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    /// <summary>Parses the header and program headers.</summary>
    /// <param name="file">The whole file.</param>
    /// <param name="image">The image on success.</param>
    /// <returns><see cref="LinuxError.None"/>; ENOEXEC for anything that is not a loadable static ELF64 x86-64
    /// executable (wrong magic, class, machine or type, truncated or inconsistent headers).</returns>
    public static LinuxError TryParse(ReadOnlySpan<byte> file, out ElfImage? image)
    {
        image = null;
        if (file.Length < 64 || !HasElfMagic(file) || file[4] != 2 /* ELFCLASS64 */ || file[5] != 1 /* little endian */)
        {
            return LinuxError.ENOEXEC;
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(file[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
        if ((type != TypeExecutable && type != TypeDynamic) || machine != 62 /* EM_X86_64 */)
        {
            return LinuxError.ENOEXEC;
        }

        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(file[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(file[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[56..]);
        if (phentsize < 56 || phnum == 0 || phnum > 1024 || phoff > (ulong)file.Length
            || (ulong)phentsize * phnum > (ulong)file.Length - phoff)
        {
            return LinuxError.ENOEXEC;
        }

        var segments = new List<ElfSegment>(phnum);
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = file.Slice((int)phoff + (i * phentsize), 56);
            var s = new ElfSegment(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(ph),
                Flags: BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]),
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]),
                FileSize: BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]),
                MemorySize: BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]),
                Alignment: BinaryPrimitives.ReadUInt64LittleEndian(ph[48..]));
            if (s.Type == ElfSegment.Load
                && (s.FileSize > s.MemorySize || s.Offset > (ulong)file.Length || s.FileSize > (ulong)file.Length - s.Offset
                    || s.MemorySize > (1UL << 40) || s.VirtualAddress > (1UL << 46)
                    || (s.Offset % Pages.Size4K) != (s.VirtualAddress % Pages.Size4K)))
            {
                return LinuxError.ENOEXEC;
            }

            segments.Add(s);
        }

        image = new ElfImage(type, entry, phoff, phentsize, segments);
        return LinuxError.None;
    }
}
