namespace UserMemory.Linux.Loader;

/// <summary>Keys of the ELF auxiliary vector the loader passes on the initial stack (<c>AT_*</c>).</summary>
public enum AuxvType : ulong
{
    /// <summary>AT_NULL: end of the vector.</summary>
    Null = 0,

    /// <summary>AT_PHDR: address of the program headers in memory.</summary>
    ProgramHeaders = 3,

    /// <summary>AT_PHENT: size of one program header.</summary>
    ProgramHeaderSize = 4,

    /// <summary>AT_PHNUM: number of program headers.</summary>
    ProgramHeaderCount = 5,

    /// <summary>AT_PAGESZ: the page size.</summary>
    PageSize = 6,

    /// <summary>AT_BASE: the interpreter's base (0 for static programs).</summary>
    InterpreterBase = 7,

    /// <summary>AT_FLAGS.</summary>
    Flags = 8,

    /// <summary>AT_ENTRY: the program's entry point.</summary>
    Entry = 9,

    /// <summary>AT_UID.</summary>
    Uid = 11,

    /// <summary>AT_EUID.</summary>
    EffectiveUid = 12,

    /// <summary>AT_GID.</summary>
    Gid = 13,

    /// <summary>AT_EGID.</summary>
    EffectiveGid = 14,

    /// <summary>AT_PLATFORM: address of the platform string ("x86_64").</summary>
    Platform = 15,

    /// <summary>AT_HWCAP: CPU capability bits.</summary>
    HardwareCapabilities = 16,

    /// <summary>AT_CLKTCK: clock ticks per second (100).</summary>
    ClockTicks = 17,

    /// <summary>AT_SECURE: 1 for set-uid style programs.</summary>
    Secure = 23,

    /// <summary>AT_RANDOM: address of 16 random bytes.</summary>
    Random = 25,

    /// <summary>AT_HWCAP2.</summary>
    HardwareCapabilities2 = 26,

    /// <summary>AT_EXECFN: address of the executed file name.</summary>
    ExecutableFileName = 31,

    /// <summary>AT_SYSINFO_EHDR: where the vDSO's ELF image is mapped.</summary>
    SysinfoHeader = 33,

    /// <summary>AT_MINSIGSTKSZ: the smallest stack a signal handler needs (signal frame included).</summary>
    MinSignalStackSize = 51,
}
