using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>mmap</c>/<c>mprotect</c> protections (<c>PROT_*</c>).</summary>
[Flags]
public enum Protection : uint
{
    /// <summary><c>PROT_NONE</c>.</summary>
    None = 0,

    /// <summary><c>PROT_READ</c>.</summary>
    Read = 0x1,

    /// <summary><c>PROT_WRITE</c>.</summary>
    Write = 0x2,

    /// <summary><c>PROT_EXEC</c>.</summary>
    Execute = 0x4,

    /// <summary><c>PROT_GROWSDOWN</c>.</summary>
    GrowsDown = 0x01000000,

    /// <summary><c>PROT_GROWSUP</c>.</summary>
    GrowsUp = 0x02000000,
}
