using System.Diagnostics.CodeAnalysis;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>A task's user-mode registers as the host sees them at a stop: the general registers, RIP and RFLAGS.
/// At a syscall stop RIP is the instruction after <c>syscall</c> and RCX/R11 hold what the CPU put there (RIP and
/// RFLAGS), as on Linux.</summary>
[SuppressMessage("Design", "CA1051:Do not declare visible instance fields", Justification = "A register file: plain fields, edited in place through a ref.")]
public struct KvmUserRegisters
{
    /// <summary>RAX.</summary>
    public ulong Rax;

    /// <summary>RBX.</summary>
    public ulong Rbx;

    /// <summary>RCX.</summary>
    public ulong Rcx;

    /// <summary>RDX.</summary>
    public ulong Rdx;

    /// <summary>RSI.</summary>
    public ulong Rsi;

    /// <summary>RDI.</summary>
    public ulong Rdi;

    /// <summary>RSP.</summary>
    public ulong Rsp;

    /// <summary>RBP.</summary>
    public ulong Rbp;

    /// <summary>R8.</summary>
    public ulong R8;

    /// <summary>R9.</summary>
    public ulong R9;

    /// <summary>R10.</summary>
    public ulong R10;

    /// <summary>R11.</summary>
    public ulong R11;

    /// <summary>R12.</summary>
    public ulong R12;

    /// <summary>R13.</summary>
    public ulong R13;

    /// <summary>R14.</summary>
    public ulong R14;

    /// <summary>R15.</summary>
    public ulong R15;

    /// <summary>RIP.</summary>
    public ulong Rip;

    /// <summary>RFLAGS (only the user-modifiable bits take effect; IF is always set, IOPL always 0).</summary>
    public ulong Rflags;
}
