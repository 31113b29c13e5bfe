namespace UserMemory.Linux.Loader;

/// <summary>One ELF64 program header.</summary>
/// <param name="Type">p_type (1 = PT_LOAD, 3 = PT_INTERP, 6 = PT_PHDR, 7 = PT_TLS).</param>
/// <param name="Flags">p_flags (1 = X, 2 = W, 4 = R).</param>
/// <param name="Offset">p_offset: where the segment's bytes start in the file.</param>
/// <param name="VirtualAddress">p_vaddr.</param>
/// <param name="FileSize">p_filesz.</param>
/// <param name="MemorySize">p_memsz (the rest up to it is zero, e.g. .bss).</param>
/// <param name="Alignment">p_align.</param>
public readonly record struct ElfSegment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Alignment)
{
    /// <summary>PT_LOAD.</summary>
    public const uint Load = 1;

    /// <summary>PT_INTERP.</summary>
    public const uint Interpreter = 3;

    /// <summary>PT_PHDR.</summary>
    public const uint ProgramHeaders = 6;

    /// <summary>PT_GNU_STACK.</summary>
    public const uint GnuStack = 0x6474e551;

    /// <summary>The mapping flags matching <see cref="Flags"/> (always user-accessible).</summary>
    public MappingFlags MappingFlags =>
        MappingFlags.User
        | ((Flags & 4) != 0 ? MappingFlags.Read : 0)
        | ((Flags & 2) != 0 ? MappingFlags.Write : 0)
        | ((Flags & 1) != 0 ? MappingFlags.Execute : 0);
}
