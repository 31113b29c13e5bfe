namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>Unicorn 2's identifiers of the x86-64 registers the runner uses (<c>uc_x86_reg</c>).</summary>
public enum X86Register
{
    /// <summary>EFLAGS/RFLAGS.</summary>
    Rflags = 25,

    /// <summary>RAX: syscall number in, result out.</summary>
    Rax = 35,

    /// <summary>RBP.</summary>
    Rbp = 36,

    /// <summary>RBX.</summary>
    Rbx = 37,

    /// <summary>RCX.</summary>
    Rcx = 38,

    /// <summary>RDI: first syscall argument.</summary>
    Rdi = 39,

    /// <summary>RDX: third syscall argument.</summary>
    Rdx = 40,

    /// <summary>RIP.</summary>
    Rip = 41,

    /// <summary>RSI: second syscall argument.</summary>
    Rsi = 43,

    /// <summary>RSP.</summary>
    Rsp = 44,

    /// <summary>R8: fifth syscall argument.</summary>
    R8 = 106,

    /// <summary>R9: sixth syscall argument.</summary>
    R9 = 107,

    /// <summary>R10: fourth syscall argument.</summary>
    R10 = 108,

    /// <summary>R11.</summary>
    R11 = 109,

    /// <summary>R12.</summary>
    R12 = 110,

    /// <summary>R13.</summary>
    R13 = 111,

    /// <summary>R14.</summary>
    R14 = 112,

    /// <summary>R15.</summary>
    R15 = 113,

    /// <summary>The FS segment base (thread pointer).</summary>
    FsBase = 250,

    /// <summary>The GS segment base.</summary>
    GsBase = 251,

    /// <summary>CS (writing it does not change the privilege level).</summary>
    Cs = 11,

    /// <summary>SS.</summary>
    Ss = 49,

    /// <summary>CR0.</summary>
    Cr0 = 50,

    /// <summary>CR2: the address of the last page fault.</summary>
    Cr2 = 52,

    /// <summary>CR3: the page-table root.</summary>
    Cr3 = 53,

    /// <summary>CR4.</summary>
    Cr4 = 54,

    /// <summary>GDTR (<c>uc_x86_mmr</c>).</summary>
    Gdtr = 243,

    /// <summary>A model-specific register (<c>uc_x86_msr</c>).</summary>
    Msr = 248,
}
