using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>mmap</c> flags (<c>MAP_*</c>, x86-64 values).</summary>
[Flags]
public enum MapFlags : uint
{
    /// <summary><c>MAP_SHARED</c>.</summary>
    Shared = 0x01,

    /// <summary><c>MAP_PRIVATE</c>.</summary>
    Private = 0x02,

    /// <summary><c>MAP_SHARED_VALIDATE</c>.</summary>
    SharedValidate = 0x03,

    /// <summary><c>MAP_TYPE</c>: the mask of the sharing type.</summary>
    TypeMask = 0x0f,

    /// <summary><c>MAP_FIXED</c>.</summary>
    Fixed = 0x10,

    /// <summary><c>MAP_ANONYMOUS</c>.</summary>
    Anonymous = 0x20,

    /// <summary><c>MAP_32BIT</c>.</summary>
    Bits32 = 0x40,

    /// <summary><c>MAP_GROWSDOWN</c>.</summary>
    GrowsDown = 0x100,

    /// <summary><c>MAP_DENYWRITE</c> (ignored).</summary>
    DenyWrite = 0x800,

    /// <summary><c>MAP_EXECUTABLE</c> (ignored).</summary>
    Executable = 0x1000,

    /// <summary><c>MAP_LOCKED</c>.</summary>
    Locked = 0x2000,

    /// <summary><c>MAP_NORESERVE</c>.</summary>
    NoReserve = 0x4000,

    /// <summary><c>MAP_POPULATE</c>.</summary>
    Populate = 0x8000,

    /// <summary><c>MAP_NONBLOCK</c>.</summary>
    NonBlock = 0x10000,

    /// <summary><c>MAP_STACK</c>.</summary>
    Stack = 0x20000,

    /// <summary><c>MAP_HUGETLB</c>.</summary>
    HugeTlb = 0x40000,

    /// <summary><c>MAP_SYNC</c>.</summary>
    Sync = 0x80000,

    /// <summary><c>MAP_FIXED_NOREPLACE</c>.</summary>
    FixedNoReplace = 0x100000,
}
