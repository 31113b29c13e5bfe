using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct pollfd</c>. 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PollFd
{
    /// <summary><c>fd</c>.</summary>
    public int Fd { get; set; }

    /// <summary><c>events</c>.</summary>
    public short Events { get; set; }

    /// <summary><c>revents</c>.</summary>
    public short ReturnedEvents { get; set; }
}
