using System.Runtime.CompilerServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>reserved1[8]</c> of <c>struct sigcontext</c>.</summary>
[InlineArray(Length)]
public struct SigContextReserved
{
    /// <summary>The number of elements.</summary>
    public const int Length = 8;

    private ulong _element0;
}
