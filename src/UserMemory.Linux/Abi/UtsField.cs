using System.Runtime.CompilerServices;

namespace UserMemory.Linux.Abi;

/// <summary>One 65-byte NUL-terminated field of <c>struct utsname</c>.</summary>
[InlineArray(Length)]
public struct UtsField
{
    /// <summary>The number of elements.</summary>
    public const int Length = 65;

    private byte _element0;
}
