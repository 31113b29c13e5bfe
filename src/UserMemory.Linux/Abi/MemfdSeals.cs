using System;

namespace UserMemory.Linux.Abi;

/// <summary>memfd seals (<c>F_SEAL_*</c>), added with <see cref="FcntlCommand.AddSeals"/>.</summary>
[Flags]
public enum MemfdSeals : long
{
    /// <summary>No seal.</summary>
    None = 0,

    /// <summary><c>F_SEAL_SEAL</c>: no further seals.</summary>
    Seal = 1,

    /// <summary><c>F_SEAL_SHRINK</c>: the size may not decrease.</summary>
    Shrink = 2,

    /// <summary><c>F_SEAL_GROW</c>: the size may not increase.</summary>
    Grow = 4,

    /// <summary><c>F_SEAL_WRITE</c>: the content may not change.</summary>
    Write = 8,
}
