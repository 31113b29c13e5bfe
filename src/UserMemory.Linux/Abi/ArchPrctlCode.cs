namespace UserMemory.Linux.Abi;

/// <summary><c>arch_prctl</c> codes (<c>ARCH_*</c>).</summary>
public enum ArchPrctlCode : int
{
    /// <summary><c>ARCH_SET_GS</c>.</summary>
    SetGs = 0x1001,

    /// <summary><c>ARCH_SET_FS</c>.</summary>
    SetFs = 0x1002,

    /// <summary><c>ARCH_GET_FS</c>.</summary>
    GetFs = 0x1003,

    /// <summary><c>ARCH_GET_GS</c>.</summary>
    GetGs = 0x1004,

    /// <summary><c>ARCH_GET_CPUID</c>.</summary>
    GetCpuid = 0x1011,

    /// <summary><c>ARCH_SET_CPUID</c>.</summary>
    SetCpuid = 0x1012,
}
