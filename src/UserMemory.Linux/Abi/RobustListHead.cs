using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct robust_list_head</c> (<c>set_robust_list</c>). 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RobustListHead
{
    /// <summary><c>list.next</c>.</summary>
    public ulong List { get; set; }

    /// <summary><c>futex_offset</c>.</summary>
    public long FutexOffset { get; set; }

    /// <summary><c>list_op_pending</c>.</summary>
    public ulong ListOpPending { get; set; }
}
