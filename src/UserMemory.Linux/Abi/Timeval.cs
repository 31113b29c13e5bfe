using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct timeval</c>: seconds and microseconds. 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Timeval
{
    /// <summary><c>tv_sec</c>.</summary>
    public long Seconds { get; set; }

    /// <summary><c>tv_usec</c>.</summary>
    public long Microseconds { get; set; }
}
