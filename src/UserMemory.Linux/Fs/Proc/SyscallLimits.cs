namespace UserMemory.Linux.Fs.Proc;

/// <summary>Bounds the synthetic files keep to.</summary>
internal static class SyscallLimits
{
    /// <summary>The most bytes of argv or environment rendered (Linux's ARG_MAX-like bound on exec arguments).</summary>
    internal const ulong ArgumentBytesMax = 2UL << 20;
}
