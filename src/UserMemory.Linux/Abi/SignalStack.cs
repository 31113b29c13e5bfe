using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>stack_t</c> (<c>sigaltstack</c>, <c>uc_stack</c>). 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SignalStack
{
    /// <summary><c>ss_sp</c>.</summary>
    public ulong Pointer { get; set; }

    /// <summary><c>ss_flags</c> (<c>SS_ONSTACK</c> 1, <c>SS_DISABLE</c> 2).</summary>
    public int Flags { get; set; }

    /// <summary>Alignment padding.</summary>
    public int Padding { get; set; }

    /// <summary><c>ss_size</c>.</summary>
    public ulong Size { get; set; }
}
