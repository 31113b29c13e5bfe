using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct statx</c> (256 bytes, the tail reserved). 256 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Statx
{
    /// <summary><c>stx_mask</c>.</summary>
    public uint Mask { get; set; }

    /// <summary><c>stx_blksize</c>.</summary>
    public uint BlockSize { get; set; }

    /// <summary><c>stx_attributes</c>.</summary>
    public ulong Attributes { get; set; }

    /// <summary><c>stx_nlink</c>.</summary>
    public uint LinkCount { get; set; }

    /// <summary><c>stx_uid</c>.</summary>
    public uint Uid { get; set; }

    /// <summary><c>stx_gid</c>.</summary>
    public uint Gid { get; set; }

    /// <summary><c>stx_mode</c>.</summary>
    public ushort Mode { get; set; }

    /// <summary><c>__spare0</c>.</summary>
    public ushort Spare0 { get; set; }

    /// <summary><c>stx_ino</c>.</summary>
    public ulong Inode { get; set; }

    /// <summary><c>stx_size</c>.</summary>
    public ulong Size { get; set; }

    /// <summary><c>stx_blocks</c>.</summary>
    public ulong Blocks { get; set; }

    /// <summary><c>stx_attributes_mask</c>.</summary>
    public ulong AttributesMask { get; set; }

    /// <summary><c>stx_atime</c>.</summary>
    public StatxTimestamp AccessTime { get; set; }

    /// <summary><c>stx_btime</c>.</summary>
    public StatxTimestamp BirthTime { get; set; }

    /// <summary><c>stx_ctime</c>.</summary>
    public StatxTimestamp ChangeTime { get; set; }

    /// <summary><c>stx_mtime</c>.</summary>
    public StatxTimestamp ModifyTime { get; set; }

    /// <summary><c>stx_rdev_major</c>.</summary>
    public uint RDeviceMajor { get; set; }

    /// <summary><c>stx_rdev_minor</c>.</summary>
    public uint RDeviceMinor { get; set; }

    /// <summary><c>stx_dev_major</c>.</summary>
    public uint DeviceMajor { get; set; }

    /// <summary><c>stx_dev_minor</c>.</summary>
    public uint DeviceMinor { get; set; }

    /// <summary><c>stx_mnt_id</c>.</summary>
    public ulong MountId { get; set; }

    /// <summary><c>stx_dio_mem_align</c>.</summary>
    public uint DirectIoMemoryAlign { get; set; }

    /// <summary><c>stx_dio_offset_align</c>.</summary>
    public uint DirectIoOffsetAlign { get; set; }

    /// <summary>The reserved tail (<c>__spare3</c>).</summary>
    public StatxSpare Spare { get; set; }
}
