namespace UserMemory.Linux.Syscalls;

/// <summary>How completely a syscall is implemented (the compatibility page can be generated from the table).</summary>
public enum SupportLevel
{
    /// <summary>Not implemented: answers ENOSYS (also every number without an entry).</summary>
    Unsupported = 0,

    /// <summary>Answers a fixed value without doing the work (e.g. <c>madvise</c> accepted and ignored).</summary>
    Stub,

    /// <summary>Implemented, with a gap the entry's note describes.</summary>
    Partial,

    /// <summary>Implemented with Linux's semantics as far as this layer's model goes.</summary>
    Full,
}
