using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct rlimit</c> (<c>getrlimit</c>, <c>prlimit64</c>); <c>RLIM_INFINITY</c> is all ones. 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RLimit
{
    /// <summary><c>rlim_cur</c>: the soft limit.</summary>
    public ulong Current { get; set; }

    /// <summary><c>rlim_max</c>: the hard limit.</summary>
    public ulong Maximum { get; set; }
}
