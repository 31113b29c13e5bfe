using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The syscall table as data: <see cref="SyscallNumber"/> → name, handler, support level and note, in an array
/// indexed by number (one bounds check and one delegate call per syscall; no allocation). Each subsystem file
/// registers its own rows (<c>Register</c>).
/// </summary>
internal static class SyscallTable
{
    private static readonly SyscallEntry?[] Entries = Build();

    /// <summary>Runs one guest system call.</summary>
    /// <param name="task">The calling task.</param>
    /// <param name="nr">The syscall number (RAX).</param>
    /// <param name="args">The six arguments (RDI, RSI, RDX, R10, R8, R9).</param>
    /// <returns>The result or <c>-errno</c>, as the kernel returns it in RAX; ENOSYS for an unknown number.</returns>
    public static long Dispatch(Task task, long nr, ReadOnlySpan<ulong> args)
    {
        SyscallEntry?[] entries = Entries;
        return (ulong)nr < (ulong)entries.Length && entries[nr] is { } entry
            ? entry.Handler(task, args)
            : -(long)LinuxError.ENOSYS;
    }

    /// <summary>The row of <paramref name="nr"/>, or null when it has none.</summary>
    /// <param name="nr">The number.</param>
    /// <returns>The row.</returns>
    public static SyscallEntry? Lookup(long nr) => (ulong)nr < (ulong)Entries.Length ? Entries[nr] : null;

    private static SyscallEntry?[] Build()
    {
        var b = new SyscallTableBuilder();
        FileSyscalls.Register(b);
        UtimesSyscalls.Register(b);
        XattrSyscalls.Register(b);
        IoSyscalls.Register(b);
        SpliceSyscalls.Register(b);
        MemorySyscalls.Register(b);
        ProcessVmSyscalls.Register(b);
        ProcessSyscalls.Register(b);
        SignalSyscalls.Register(b);
        PidfdSyscalls.Register(b);
        TimeSyscalls.Register(b);
        ClockSetSyscalls.Register(b);
        FutexSyscalls.Register(b);
        PollingSyscalls.Register(b);
        EpollSyscalls.Register(b);
        InotifySyscalls.Register(b);
        SignalFdSyscalls.Register(b);
        EventTimerFdSyscalls.Register(b);
        MemfdSyscalls.Register(b);
        SchedulerSyscalls.Register(b);
        SocketSyscalls.Register(b);
        MultiMessageSyscalls.Register(b);
        MiscSyscalls.Register(b);
        PersonalitySyscall.Register(b);
        CapabilitySyscalls.Register(b);
        UnshareSyscall.Register(b);
        PtraceSyscall.Register(b);
        return b.Build();
    }
}
