using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct timespec</c> (<c>__kernel_timespec</c>): seconds and nanoseconds. 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    /// <summary><c>tv_sec</c>.</summary>
    public long Seconds { get; set; }

    /// <summary><c>tv_nsec</c>.</summary>
    public long Nanoseconds { get; set; }
}
