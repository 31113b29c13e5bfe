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
}
