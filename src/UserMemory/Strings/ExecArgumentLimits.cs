namespace UserMemory;

/// <summary>
/// The bounds applied when copying <c>execve</c>'s argument and environment arrays. The defaults are Linux's.
/// </summary>
/// <remarks>
/// Linux allows a quarter of the stack rlimit (8 MiB by default, so 2 MiB) for the strings, their NULs and one
/// pointer per string; each string may be at most MAX_ARG_STRLEN (32 pages) long including its NUL; and an array may
/// hold at most MAX_ARG_STRINGS (0x7FFFFFFF) strings. Linux also charges the file name to the same budget: a caller
/// that wants that lowers <see cref="MaxTotalBytes"/> by its length + 1.
/// </remarks>
public readonly struct ExecArgumentLimits
{
    /// <summary>Linux's MAX_ARG_STRLEN: 32 pages, NUL included.</summary>
    public const int MaxArgStrlen = 32 * 4096;

    /// <summary>Linux's MAX_ARG_STRINGS.</summary>
    public const int MaxArgStrings = 0x7FFFFFFF;

    /// <summary>A quarter of Linux's default 8 MiB stack rlimit.</summary>
    public const ulong DefaultTotalBytes = 2 * 1024 * 1024;

    /// <summary>Linux's limits.</summary>
    public ExecArgumentLimits()
    {
        MaxStringBytes = MaxArgStrlen;
        MaxTotalBytes = DefaultTotalBytes;
        MaxCount = MaxArgStrings;
    }

    /// <summary>Linux's limits (the same as <c>new ExecArgumentLimits()</c>).</summary>
    public static ExecArgumentLimits Linux => new();

    /// <summary>The longest string accepted, NUL included; above zero. Longer strings are E2BIG.</summary>
    public int MaxStringBytes { get; init; }

    /// <summary>The budget for all strings with their NULs plus 8 bytes per pointer; above zero. Exceeding it is E2BIG.</summary>
    public ulong MaxTotalBytes { get; init; }

    /// <summary>The most strings one array may hold; not negative. More is E2BIG.</summary>
    public int MaxCount { get; init; }
}
