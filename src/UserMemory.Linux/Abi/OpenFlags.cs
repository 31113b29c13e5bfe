using System;

namespace UserMemory.Linux.Abi;

/// <summary><c>open</c>/<c>openat</c> flags (<c>O_*</c>, x86-64 values).</summary>
[Flags]
public enum OpenFlags : uint
{
    /// <summary><c>O_RDONLY</c>.</summary>
    ReadOnly = 0,

    /// <summary><c>O_WRONLY</c>.</summary>
    WriteOnly = 0x1,

    /// <summary><c>O_RDWR</c>.</summary>
    ReadWrite = 0x2,

    /// <summary><c>O_ACCMODE</c>: the mask of the three above.</summary>
    AccessMode = 0x3,

    /// <summary><c>O_CREAT</c>.</summary>
    Create = 0x40,

    /// <summary><c>O_EXCL</c>.</summary>
    Exclusive = 0x80,

    /// <summary><c>O_NOCTTY</c>.</summary>
    NoControllingTty = 0x100,

    /// <summary><c>O_TRUNC</c>.</summary>
    Truncate = 0x200,

    /// <summary><c>O_APPEND</c>.</summary>
    Append = 0x400,

    /// <summary><c>O_NONBLOCK</c>.</summary>
    NonBlock = 0x800,

    /// <summary><c>O_DSYNC</c>.</summary>
    DataSync = 0x1000,

    /// <summary><c>FASYNC</c>.</summary>
    Async = 0x2000,

    /// <summary><c>O_DIRECT</c>.</summary>
    Direct = 0x4000,

    /// <summary><c>O_LARGEFILE</c>.</summary>
    LargeFile = 0x8000,

    /// <summary><c>O_DIRECTORY</c>.</summary>
    Directory = 0x10000,

    /// <summary><c>O_NOFOLLOW</c>.</summary>
    NoFollow = 0x20000,

    /// <summary><c>O_NOATIME</c>.</summary>
    NoAccessTime = 0x40000,

    /// <summary><c>O_CLOEXEC</c>.</summary>
    CloseOnExec = 0x80000,

    /// <summary><c>O_SYNC</c> (includes <c>O_DSYNC</c>).</summary>
    Sync = 0x101000,

    /// <summary><c>O_PATH</c>.</summary>
    Path = 0x200000,

    /// <summary><c>O_TMPFILE</c> (includes <c>O_DIRECTORY</c>).</summary>
    TmpFile = 0x410000,
}
