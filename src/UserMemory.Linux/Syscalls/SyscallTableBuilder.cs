using System;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls;

/// <summary>Collects the rows each subsystem registers into the array <see cref="SyscallTable"/> indexes by
/// number.</summary>
internal sealed class SyscallTableBuilder
{
    private readonly SyscallEntry?[] _entries = new SyscallEntry?[SyscallNames.TableSize];

    /// <summary>Registers a syscall.</summary>
    /// <param name="number">The syscall.</param>
    /// <param name="support">How completely it is implemented.</param>
    /// <param name="note">What is partial or stubbed (empty when nothing).</param>
    /// <param name="handler">The implementation.</param>
    /// <exception cref="InvalidOperationException">The number is registered twice (a layer bug).</exception>
    public void Add(SyscallNumber number, SupportLevel support, string note, SyscallHandler handler)
    {
        if (_entries[(int)number] is not null)
        {
            throw new InvalidOperationException("Syscall registered twice: " + number);
        }

        _entries[(int)number] = new SyscallEntry(number, support, note, handler);
    }

    /// <summary>The table.</summary>
    /// <returns>One slot per number, null where nothing is registered.</returns>
    public SyscallEntry?[] Build() => _entries;
}
