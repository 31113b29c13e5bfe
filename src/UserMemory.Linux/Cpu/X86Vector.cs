namespace UserMemory.Linux.Cpu;

/// <summary>The x86 exception vectors a CPU backend reports in <see cref="CpuEvent.Vector"/>.</summary>
public static class X86Vector
{
    /// <summary>#DE: divide error.</summary>
    public const int DivideError = 0;

    /// <summary>#DB: debug.</summary>
    public const int Debug = 1;

    /// <summary>#BP: breakpoint (<c>int3</c>).</summary>
    public const int Breakpoint = 3;

    /// <summary>#OF: overflow (<c>into</c>).</summary>
    public const int Overflow = 4;

    /// <summary>#UD: invalid opcode.</summary>
    public const int InvalidOpcode = 6;

    /// <summary>#GP: general protection.</summary>
    public const int GeneralProtection = 13;

    /// <summary>#PF: page fault (backends report it as <see cref="CpuEventKind.PageFault"/> instead).</summary>
    public const int PageFault = 14;

    /// <summary>#MF: x87 floating-point error.</summary>
    public const int FloatingPoint = 16;

    /// <summary>#AC: alignment check.</summary>
    public const int AlignmentCheck = 17;

    /// <summary>#XM: SIMD floating-point exception.</summary>
    public const int SimdFloatingPoint = 19;

    /// <summary>Linux's <c>IA32_SYSCALL_VECTOR</c>: <c>int $0x80</c>, the i386 system call, whose gate user mode may
    /// use (a backend reports it with RIP after the instruction).</summary>
    public const int LegacySystemCall = 0x80;
}
