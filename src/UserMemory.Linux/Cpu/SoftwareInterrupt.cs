namespace UserMemory.Linux.Cpu;

/// <summary>
/// What an <c>int N</c> instruction in user mode raises under Linux x86-64, for backends whose CPU reports it otherwise:
/// Unicorn delivers every <c>int N</c> as vector N with RIP after the instruction (it checks no gate), and KVM under PVM
/// raises #UD at the instruction for a gate user mode may not use.
/// </summary>
/// <remarks>
/// Linux's IDT lets user mode use three gates: #BP (<c>int3</c>, <c>int $3</c>), #OF (<c>int $4</c>) and, with IA32
/// emulation, <c>int $0x80</c>; each traps with RIP after the instruction. Any other vector's gate has DPL 0, so the
/// CPU raises #GP at the instruction with the error code "IDT, index N" (<c>N &lt;&lt; 3 | 2</c>), and Linux delivers
/// SIGSEGV SI_KERNEL with that error code in the frame.
/// </remarks>
internal static class SoftwareInterrupt
{
    /// <summary>The opcode of <c>int imm8</c>.</summary>
    public const byte IntOpcode = 0xCD;

    /// <summary>The opcode of <c>int1</c> (<c>icebp</c>), a #DB trap.</summary>
    public const byte Int1Opcode = 0xF1;

    /// <summary>The length of <c>int imm8</c>.</summary>
    public const int IntLength = 2;

    /// <summary>The length of <c>int1</c>.</summary>
    public const int Int1Length = 1;

    /// <summary>The error code's IDT bit: the selector index names an IDT gate.</summary>
    private const ulong IdtBit = 2;

    /// <summary>Where the selector index starts in an error code.</summary>
    private const int SelectorIndexShift = 3;

    /// <summary>The #GP error code for <c>int N</c> through a gate user mode may not use.</summary>
    /// <param name="vector">N.</param>
    /// <returns>The error code.</returns>
    public static ulong GateErrorCode(int vector) => ((ulong)vector << SelectorIndexShift) | IdtBit;

    /// <summary>Whether Linux lets user mode use vector <paramref name="vector"/>'s gate.</summary>
    /// <param name="vector">The vector.</param>
    /// <returns>True for #BP, #OF and <see cref="X86Vector.LegacySystemCall"/>.</returns>
    public static bool IsUserGate(int vector) => vector is X86Vector.Breakpoint or X86Vector.Overflow or X86Vector.LegacySystemCall;

    /// <summary>The event and RIP Linux's CPU state shows for <c>int N</c> at <paramref name="at"/>: through a user gate,
    /// vector N with RIP after the instruction; else #GP with <see cref="GateErrorCode"/> at the instruction.</summary>
    /// <param name="vector">N.</param>
    /// <param name="at">The instruction's address.</param>
    /// <returns>The event and the RIP to report with it.</returns>
    public static (CpuEvent Event, ulong Rip) ForIntInstruction(int vector, ulong at) =>
        IsUserGate(vector)
            ? (CpuEvent.Exception(vector), at + IntLength)
            : (CpuEvent.Exception(X86Vector.GeneralProtection, GateErrorCode(vector)), at);
}
