namespace UserMemory.Linux.Abi;

/// <summary><c>si_code</c> values (<c>SI_*</c> and the per-signal codes this layer reports).</summary>
public static class SignalCode
{
    /// <summary><c>SI_USER</c>: sent by <c>kill</c>.</summary>
    public const int User = 0;

    /// <summary><c>SI_KERNEL</c>: sent by the kernel (e.g. a general protection fault).</summary>
    public const int Kernel = 0x80;

    /// <summary><c>SI_QUEUE</c>: sent by <c>sigqueue</c>.</summary>
    public const int Queue = -1;

    /// <summary><c>SI_TIMER</c>: a POSIX timer expired.</summary>
    public const int Timer = -2;

    /// <summary><c>SI_TKILL</c>: sent by <c>tkill</c>/<c>tgkill</c>.</summary>
    public const int ThreadKill = -6;

    /// <summary><c>SEGV_MAPERR</c>: no mapping at the address.</summary>
    public const int SegvMapError = 1;

    /// <summary><c>SEGV_ACCERR</c>: the mapping forbids the access.</summary>
    public const int SegvAccessError = 2;

    /// <summary><c>BUS_ADRALN</c>: misaligned address.</summary>
    public const int BusAlignment = 1;

    /// <summary><c>BUS_ADRERR</c>: no backing for the address (past the end of a file).</summary>
    public const int BusAddressError = 2;

    /// <summary><c>ILL_ILLOPN</c>: illegal operand (ud2).</summary>
    public const int IllegalOperand = 2;

    /// <summary><c>FPE_INTDIV</c>: integer division by zero.</summary>
    public const int FpeIntegerDivide = 1;

    /// <summary><c>FPE_FLTINV</c>: invalid floating-point operation (the code Linux gives an unrecognised x87/SSE fault).</summary>
    public const int FpeFloatInvalid = 7;

    /// <summary><c>TRAP_BRKPT</c>: breakpoint.</summary>
    public const int TrapBreakpoint = 1;
}
