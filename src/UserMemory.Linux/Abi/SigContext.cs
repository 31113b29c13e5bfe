using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary>The x86-64 <c>struct sigcontext</c> (<c>uc_mcontext</c>): the registers a signal handler sees and <c>rt_sigreturn</c> restores. 256 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigContext
{
    /// <summary>r8.</summary>
    public ulong R8 { get; set; }

    /// <summary>r9.</summary>
    public ulong R9 { get; set; }

    /// <summary>r10.</summary>
    public ulong R10 { get; set; }

    /// <summary>r11.</summary>
    public ulong R11 { get; set; }

    /// <summary>r12.</summary>
    public ulong R12 { get; set; }

    /// <summary>r13.</summary>
    public ulong R13 { get; set; }

    /// <summary>r14.</summary>
    public ulong R14 { get; set; }

    /// <summary>r15.</summary>
    public ulong R15 { get; set; }

    /// <summary>rdi.</summary>
    public ulong Rdi { get; set; }

    /// <summary>rsi.</summary>
    public ulong Rsi { get; set; }

    /// <summary>rbp.</summary>
    public ulong Rbp { get; set; }

    /// <summary>rbx.</summary>
    public ulong Rbx { get; set; }

    /// <summary>rdx.</summary>
    public ulong Rdx { get; set; }

    /// <summary>rax.</summary>
    public ulong Rax { get; set; }

    /// <summary>rcx.</summary>
    public ulong Rcx { get; set; }

    /// <summary>rsp.</summary>
    public ulong Rsp { get; set; }

    /// <summary>rip.</summary>
    public ulong Rip { get; set; }

    /// <summary>eflags.</summary>
    public ulong Rflags { get; set; }

    /// <summary>cs.</summary>
    public ushort Cs { get; set; }

    /// <summary>gs.</summary>
    public ushort Gs { get; set; }

    /// <summary>fs.</summary>
    public ushort Fs { get; set; }

    /// <summary>ss.</summary>
    public ushort Ss { get; set; }

    /// <summary>err.</summary>
    public ulong Error { get; set; }

    /// <summary>trapno.</summary>
    public ulong TrapNumber { get; set; }

    /// <summary>oldmask.</summary>
    public ulong OldMask { get; set; }

    /// <summary>cr2 (the fault address).</summary>
    public ulong Cr2 { get; set; }

    /// <summary>fpstate: the address of the saved FPU state, or 0.</summary>
    public ulong FpState { get; set; }

    /// <summary>reserved1[8].</summary>
    public SigContextReserved Reserved { get; set; }
}
