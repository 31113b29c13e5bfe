namespace UserMemory.Linux.Signals;

/// <summary>The <c>si_code</c> values Linux gives synchronous faults (x86-64).</summary>
public static class FaultCode
{
    /// <summary><c>SEGV_MAPERR</c>: no mapping at the address.</summary>
    public const int SegvMapError = 1;

    /// <summary><c>SEGV_ACCERR</c>: a mapping exists but forbids the access.</summary>
    public const int SegvAccessError = 2;

    /// <summary><c>ILL_ILLOPN</c>: illegal operand (what Linux reports for <c>ud2</c>).</summary>
    public const int IllegalOperand = 2;

    /// <summary><c>FPE_INTDIV</c>: integer divide by zero.</summary>
    public const int IntegerDivide = 1;

    /// <summary><c>TRAP_BRKPT</c>: breakpoint.</summary>
    public const int Breakpoint = 1;

    /// <summary><c>SI_KERNEL</c>: sent by the kernel (general protection: privileged instructions, bad selectors).</summary>
    public const int Kernel = 0x80;
}
