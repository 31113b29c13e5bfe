namespace UserMemory.Linux.Signals;

/// <summary>What the CPU reported for a synchronous fault, for the sigframe's <c>trapno</c>, <c>err</c> and
/// <c>cr2</c>.</summary>
/// <param name="TrapNumber">The x86 vector.</param>
/// <param name="ErrorCode">The exception's error code.</param>
/// <param name="Address">The fault address (cr2), or 0.</param>
internal readonly record struct FaultContext(ulong TrapNumber, ulong ErrorCode, ulong Address);
