using System;

namespace UserMemory;

/// <summary>Permissions and attributes of a memory mapping, with the values ArceOS uses.</summary>
/// <remarks>In a page-fault report, <see cref="User"/> marks a fault raised by user-mode code; its absence
/// marks a kernel-mode fault, which is legal only inside <see cref="UserAccessContext"/>.</remarks>
[Flags]
public enum MappingFlags
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Readable.</summary>
    Read = 1,

    /// <summary>Writable.</summary>
    Write = 2,

    /// <summary>Executable.</summary>
    Execute = 4,

    /// <summary>Accessible from user mode (on a fault: raised by user mode).</summary>
    User = 8,

    /// <summary>Device memory.</summary>
    Device = 16,

    /// <summary>Uncached memory.</summary>
    Uncached = 32,
}
