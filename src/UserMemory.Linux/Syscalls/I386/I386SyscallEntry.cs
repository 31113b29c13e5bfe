using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls.I386;

/// <summary>One row of the i386 table: the i386 call, the x86-64 call that does the same work (what tracing and a
/// memory loan see), and its implementation, which takes the i386 arguments zero-extended to 64 bits.</summary>
internal sealed class I386SyscallEntry
{
    /// <summary>Creates a row.</summary>
    /// <param name="number">The i386 call.</param>
    /// <param name="equivalent">The x86-64 call that does the same work.</param>
    /// <param name="support">How completely it is implemented.</param>
    /// <param name="note">What differs from Linux (empty when nothing).</param>
    /// <param name="handler">The implementation.</param>
    public I386SyscallEntry(I386SyscallNumber number, SyscallNumber equivalent, SupportLevel support, string note, SyscallHandler handler)
    {
        Number = number;
        Equivalent = equivalent;
        Support = support;
        Note = note;
        Handler = handler;
    }

    /// <summary>The i386 call.</summary>
    public I386SyscallNumber Number { get; }

    /// <summary>The x86-64 call that does the same work.</summary>
    public SyscallNumber Equivalent { get; }

    /// <summary>How completely it is implemented.</summary>
    public SupportLevel Support { get; }

    /// <summary>What differs from Linux.</summary>
    public string Note { get; }

    /// <summary>The implementation (arguments: EBX, ECX, EDX, ESI, EDI, EBP, zero-extended).</summary>
    public SyscallHandler Handler { get; }
}
