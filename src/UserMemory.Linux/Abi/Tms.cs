using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct tms</c> (<c>times</c>), in clock ticks. 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Tms
{
    /// <summary><c>tms_utime</c>.</summary>
    public long UserTime { get; set; }

    /// <summary><c>tms_stime</c>.</summary>
    public long SystemTime { get; set; }

    /// <summary><c>tms_cutime</c>.</summary>
    public long ChildrenUserTime { get; set; }

    /// <summary><c>tms_cstime</c>.</summary>
    public long ChildrenSystemTime { get; set; }
}
