using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct statx_timestamp</c>. 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StatxTimestamp
{
    /// <summary><c>tv_sec</c>.</summary>
    public long Seconds { get; set; }

    /// <summary><c>tv_nsec</c>.</summary>
    public uint Nanoseconds { get; set; }

    /// <summary><c>__reserved</c>.</summary>
    public int Reserved { get; set; }
}
