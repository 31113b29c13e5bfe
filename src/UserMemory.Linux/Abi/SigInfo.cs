using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>siginfo_t</c> (128 bytes): the three common fields and the union members this layer uses, at their
/// x86-64 offsets.</summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct SigInfo
{
    /// <summary>The size of <c>siginfo_t</c>.</summary>
    public const int Size = 128;

    /// <summary><c>si_signo</c>.</summary>
    [field: FieldOffset(0)]
    public int Signal { get; set; }

    /// <summary><c>si_errno</c>.</summary>
    [field: FieldOffset(4)]
    public int Errno { get; set; }

    /// <summary><c>si_code</c> (<c>SI_USER</c> 0, <c>SI_KERNEL</c> 0x80, <c>SI_TKILL</c> -6, <c>CLD_*</c>...).</summary>
    [field: FieldOffset(8)]
    public int Code { get; set; }

    /// <summary><c>si_pid</c> (kill, SIGCHLD, sigqueue).</summary>
    [field: FieldOffset(16)]
    public int Pid { get; set; }

    /// <summary><c>si_uid</c>.</summary>
    [field: FieldOffset(20)]
    public uint Uid { get; set; }

    /// <summary><c>si_status</c> (SIGCHLD) or the low half of <c>si_value</c> (sigqueue).</summary>
    [field: FieldOffset(24)]
    public int Status { get; set; }

    /// <summary><c>si_addr</c> (SIGSEGV, SIGBUS, SIGILL, SIGFPE): the faulting address.</summary>
    [field: FieldOffset(16)]
    public ulong Address { get; set; }

    /// <summary><c>si_timerid</c> (POSIX timers).</summary>
    [field: FieldOffset(16)]
    public int TimerId { get; set; }

    /// <summary><c>si_overrun</c> (POSIX timers).</summary>
    [field: FieldOffset(20)]
    public int Overrun { get; set; }

    /// <summary><c>si_value</c> (sigqueue, POSIX timers): the whole 64-bit <c>sigval</c>.</summary>
    [field: FieldOffset(24)]
    public ulong Value { get; set; }

    /// <summary><c>si_utime</c> (SIGCHLD).</summary>
    [field: FieldOffset(32)]
    public long UserTime { get; set; }

    /// <summary><c>si_stime</c> (SIGCHLD).</summary>
    [field: FieldOffset(40)]
    public long SystemTime { get; set; }
}
