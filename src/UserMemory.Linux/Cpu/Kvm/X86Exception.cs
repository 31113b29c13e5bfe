namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>The x86 exception vectors the backend names, and the page-fault error-code bits.</summary>
public static class X86Exception
{
    /// <summary>#DE, divide error.</summary>
    public const int DivideError = 0;

    /// <summary>#DB, debug.</summary>
    public const int Debug = 1;

    /// <summary>NMI.</summary>
    public const int NonMaskableInterrupt = 2;

    /// <summary>#BP, <c>int3</c>.</summary>
    public const int Breakpoint = 3;

    /// <summary>#OF, <c>into</c>.</summary>
    public const int Overflow = 4;

    /// <summary>#UD, invalid opcode.</summary>
    public const int InvalidOpcode = 6;

    /// <summary>#NM, device not available.</summary>
    public const int DeviceNotAvailable = 7;

    /// <summary>#DF, double fault.</summary>
    public const int DoubleFault = 8;

    /// <summary>#GP, general protection.</summary>
    public const int GeneralProtection = 13;

    /// <summary>#PF, page fault.</summary>
    public const int PageFault = 14;

    /// <summary>#MF, x87 floating-point error.</summary>
    public const int FloatingPointError = 16;

    /// <summary>#AC, alignment check.</summary>
    public const int AlignmentCheck = 17;

    /// <summary>#MC, machine check.</summary>
    public const int MachineCheck = 18;

    /// <summary>#XM, SIMD floating-point exception.</summary>
    public const int SimdFloatingPoint = 19;

    /// <summary>Page-fault error code: the page was present (a protection violation).</summary>
    public const uint PageFaultPresent = 1;

    /// <summary>Page-fault error code: the access was a write.</summary>
    public const uint PageFaultWrite = 2;

    /// <summary>Page-fault error code: the access came from user mode.</summary>
    public const uint PageFaultUser = 4;

    /// <summary>Page-fault error code: a reserved bit was set in a paging entry.</summary>
    public const uint PageFaultReservedBit = 8;

    /// <summary>Page-fault error code: the access was an instruction fetch.</summary>
    public const uint PageFaultInstructionFetch = 16;

    /// <summary>Whether the CPU pushes an error code for <paramref name="vector"/>.</summary>
    /// <param name="vector">The vector.</param>
    /// <returns>True for #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC and #SX.</returns>
    public static bool PushesErrorCode(int vector) =>
        vector is DoubleFault or 10 or 11 or 12 or GeneralProtection or PageFault or AlignmentCheck or 21 or 29 or 30;
}
