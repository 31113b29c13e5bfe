using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct stat</c> as x86-64 <c>stat</c>/<c>fstat</c>/<c>newfstatat</c> fill it. 144 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Stat
{
    /// <summary><c>st_dev</c>.</summary>
    public ulong Device { get; set; }

    /// <summary><c>st_ino</c>.</summary>
    public ulong Inode { get; set; }

    /// <summary><c>st_nlink</c>.</summary>
    public ulong LinkCount { get; set; }

    /// <summary><c>st_mode</c> (type bits <c>S_IFMT</c> and permissions).</summary>
    public uint Mode { get; set; }

    /// <summary><c>st_uid</c>.</summary>
    public uint Uid { get; set; }

    /// <summary><c>st_gid</c>.</summary>
    public uint Gid { get; set; }

    /// <summary><c>__pad0</c>.</summary>
    public int Padding0 { get; set; }

    /// <summary><c>st_rdev</c>.</summary>
    public ulong RDevice { get; set; }

    /// <summary><c>st_size</c>.</summary>
    public long Size { get; set; }

    /// <summary><c>st_blksize</c>.</summary>
    public long BlockSize { get; set; }

    /// <summary><c>st_blocks</c> (512-byte units).</summary>
    public long Blocks { get; set; }

    /// <summary><c>st_atim</c>.</summary>
    public Timespec AccessTime { get; set; }

    /// <summary><c>st_mtim</c>.</summary>
    public Timespec ModifyTime { get; set; }

    /// <summary><c>st_ctim</c>.</summary>
    public Timespec ChangeTime { get; set; }

    /// <summary><c>__unused[0]</c>.</summary>
    public long Unused0 { get; set; }

    /// <summary><c>__unused[1]</c>.</summary>
    public long Unused1 { get; set; }

    /// <summary><c>__unused[2]</c>.</summary>
    public long Unused2 { get; set; }
}
