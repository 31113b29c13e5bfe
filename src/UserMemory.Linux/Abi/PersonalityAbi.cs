namespace UserMemory.Linux.Abi;

/// <summary><c>personality</c>'s special argument.</summary>
internal static class PersonalityAbi
{
    /// <summary>0xffffffff: report the current personality without changing it.</summary>
    internal const uint Query = 0xffffffff;
}
