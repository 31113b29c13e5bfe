namespace UserMemory.Linux.Cpu;

/// <summary>
/// The x86-64 registers the Linux layer reads and writes, independent of any backend. The values are dense (0 to
/// <see cref="Count"/> - 1) so a register file can be an array indexed by them; the order is also the order of the
/// fork state format (do not reorder).
/// </summary>
public enum CpuRegister
{
    /// <summary>RAX: syscall number in, result out.</summary>
    Rax = 0,

    /// <summary>RBX.</summary>
    Rbx,

    /// <summary>RCX (the <c>syscall</c> instruction stores the return RIP here).</summary>
    Rcx,

    /// <summary>RDX: third syscall argument.</summary>
    Rdx,

    /// <summary>RSI: second syscall argument.</summary>
    Rsi,

    /// <summary>RDI: first syscall argument.</summary>
    Rdi,

    /// <summary>RBP.</summary>
    Rbp,

    /// <summary>RSP.</summary>
    Rsp,

    /// <summary>R8: fifth syscall argument.</summary>
    R8,

    /// <summary>R9: sixth syscall argument.</summary>
    R9,

    /// <summary>R10: fourth syscall argument.</summary>
    R10,

    /// <summary>R11 (the <c>syscall</c> instruction stores RFLAGS here).</summary>
    R11,

    /// <summary>R12.</summary>
    R12,

    /// <summary>R13.</summary>
    R13,

    /// <summary>R14.</summary>
    R14,

    /// <summary>R15.</summary>
    R15,

    /// <summary>RIP.</summary>
    Rip,

    /// <summary>RFLAGS.</summary>
    Rflags,

    /// <summary>The FS segment base (the thread pointer; <c>arch_prctl(ARCH_SET_FS)</c>).</summary>
    FsBase,

    /// <summary>The GS segment base.</summary>
    GsBase,

    /// <summary>The number of registers (not a register).</summary>
    Count,
}
