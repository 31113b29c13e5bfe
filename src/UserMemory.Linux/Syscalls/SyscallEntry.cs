using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls;

/// <summary>One row of the syscall table.</summary>
internal sealed class SyscallEntry
{
    /// <summary>Creates a row.</summary>
    /// <param name="number">The syscall.</param>
    /// <param name="support">How completely it is implemented.</param>
    /// <param name="note">What is partial or stubbed (empty when nothing).</param>
    /// <param name="handler">The implementation.</param>
    public SyscallEntry(SyscallNumber number, SupportLevel support, string note, SyscallHandler handler)
    {
        Number = number;
        Name = SyscallNames.Of((long)number) ?? number.ToString();
        Support = support;
        Note = note;
        Handler = handler;
    }

    /// <summary>The syscall.</summary>
    public SyscallNumber Number { get; }

    /// <summary>Its Linux name (what strace prints).</summary>
    public string Name { get; }

    /// <summary>How completely it is implemented.</summary>
    public SupportLevel Support { get; }

    /// <summary>What is partial or stubbed.</summary>
    public string Note { get; }

    /// <summary>The implementation.</summary>
    public SyscallHandler Handler { get; }
}
