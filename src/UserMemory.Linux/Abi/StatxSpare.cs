using System.Runtime.CompilerServices;

namespace UserMemory.Linux.Abi;

/// <summary>The reserved tail of <c>struct statx</c> (12 × 8 bytes).</summary>
[InlineArray(Length)]
public struct StatxSpare
{
    /// <summary>The number of elements.</summary>
    public const int Length = 12;

    private ulong _element0;
}
