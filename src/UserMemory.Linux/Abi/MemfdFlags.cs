using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>memfd_create</c> flags (<c>MFD_*</c>).</summary>
[Flags]
public enum MemfdFlags : long
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>MFD_CLOEXEC</c>.</summary>
    CloseOnExec = 1,

    /// <summary><c>MFD_ALLOW_SEALING</c>.</summary>
    AllowSealing = 2,

    /// <summary><c>MFD_HUGETLB</c>: back the file with huge pages (a page-size code in <see cref="HugePageSizeMask"/>
    /// may follow).</summary>
    HugeTlb = 4,

    /// <summary><c>MFD_NOEXEC_SEAL</c>: not executable, sealed so (Linux 6.3).</summary>
    NoExecSeal = 8,

    /// <summary><c>MFD_EXEC</c>: executable (Linux 6.3).</summary>
    Exec = 0x10,

    /// <summary>The huge-page size code (<c>MFD_HUGE_MASK &lt;&lt; MFD_HUGE_SHIFT</c>), valid only with
    /// <see cref="HugeTlb"/>.</summary>
    HugePageSizeMask = 0x3fL << 26,
}
