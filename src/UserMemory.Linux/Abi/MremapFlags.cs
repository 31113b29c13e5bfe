using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>mremap</c> flags (<c>MREMAP_*</c>).</summary>
[Flags]
public enum MremapFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>MREMAP_MAYMOVE</c>.</summary>
    MayMove = 1,

    /// <summary><c>MREMAP_FIXED</c>.</summary>
    Fixed = 2,

    /// <summary><c>MREMAP_DONTUNMAP</c>.</summary>
    DontUnmap = 4,
}
