using System;

namespace UserMemory.Linux.Abi;

/// <summary>The <c>AT_*</c> flags of the <c>*at</c> syscalls.</summary>
[Flags]
public enum AtFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary><c>AT_SYMLINK_NOFOLLOW</c>.</summary>
    SymlinkNoFollow = 0x100,

    /// <summary><c>AT_REMOVEDIR</c> (unlinkat).</summary>
    RemoveDirectory = 0x200,

    /// <summary><c>AT_SYMLINK_FOLLOW</c> (linkat) or <c>AT_EACCESS</c> (faccessat).</summary>
    EaccessOrSymlinkFollow = 0x400,

    /// <summary><c>AT_NO_AUTOMOUNT</c>.</summary>
    NoAutomount = 0x800,

    /// <summary><c>AT_EMPTY_PATH</c>.</summary>
    EmptyPath = 0x1000,

    /// <summary><c>AT_STATX_DONT_SYNC</c>.</summary>
    StatxDontSync = 0x4000,
}
