using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct flock</c> (<c>fcntl</c> locks). 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Flock
{
    /// <summary><c>l_type</c>.</summary>
    public short Type { get; set; }

    /// <summary><c>l_whence</c>.</summary>
    public short Whence { get; set; }

    /// <summary>Alignment padding.</summary>
    public int Padding { get; set; }

    /// <summary><c>l_start</c>.</summary>
    public long Start { get; set; }

    /// <summary><c>l_len</c>.</summary>
    public long Length { get; set; }

    /// <summary><c>l_pid</c>.</summary>
    public int Pid { get; set; }

    /// <summary>Tail padding.</summary>
    public int Padding2 { get; set; }
}
