using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// The runner's own host descriptors at fixed numbers, outside the guest descriptor table: the hand-off state
/// (<see cref="Handoff"/>), the trace output (<see cref="Trace"/>), the sandbox's member table (<see cref="Sandbox"/>)
/// and the two ends of its lifeline (<see cref="Lifeline"/>, <see cref="LifelineHolder"/>).
/// Every runner keeps the first two numbers occupied from
/// startup on (a placeholder on <c>/dev/null</c> when unused), so the host never hands either number to a descriptor the
/// guest opens, and a next runner finds its state and trace output at the same numbers without being told any number.
/// Both carry close-on-exec except for the moment a next runner is started.
/// </summary>
public static class RunnerDescriptors
{
    /// <summary>Where the next runner finds its hand-off state (a sealed memfd).</summary>
    public const int Handoff = 1000;

    /// <summary>Where every runner writes trace lines and statistics (a duplicate of the first runner's standard error,
    /// or the <c>--strace-file</c>).</summary>
    public const int Trace = 1001;

    /// <summary>Where every runner of one sandbox finds the table of its members (<see cref="SandboxTable"/>).</summary>
    public const int Sandbox = 1002;

    /// <summary>Where every runner but the first finds the read end of the sandbox's lifeline
    /// (<see cref="SandboxLifeline"/>).</summary>
    public const int Lifeline = 1003;

    /// <summary>Where the first runner (and whatever runner replaces it at an <c>execve</c>) keeps the lifeline's write
    /// end (<see cref="SandboxLifeline"/>).</summary>
    public const int LifelineHolder = 1004;

    /// <summary>The highest of the runner's descriptor numbers.</summary>
    internal const int Highest = LifelineHolder;

    /// <summary>FD_CLOEXEC, as <c>F_GETFD</c> reports it and <c>F_SETFD</c> takes it.</summary>
    internal const long CloseOnExecFlag = 1;

    /// <summary>True for a host descriptor number the runner owns (never a guest descriptor's host side).</summary>
    /// <param name="hostFd">A host descriptor number.</param>
    /// <returns>True for <see cref="Handoff"/>, <see cref="Trace"/>, <see cref="Sandbox"/>, <see cref="Lifeline"/> and
    /// <see cref="LifelineHolder"/>.</returns>
    public static bool IsReserved(long hostFd) => hostFd is Handoff or Trace or Sandbox or Lifeline or LifelineHolder;

    /// <summary>Occupies <paramref name="number"/> with a close-on-exec descriptor on <c>/dev/null</c>, replacing what
    /// was there.</summary>
    /// <param name="number">The descriptor number.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long Reserve(int number)
    {
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, "/dev/null\0"u8.ToArray(), 1, [AtFdCwd, 0, (long)(OpenFlags.CloseOnExec), 0, 0, 0]);
        return fd < 0 ? fd : MoveTo(fd, number);
    }

    /// <summary>Moves host descriptor <paramref name="fd"/> to <paramref name="number"/> with close-on-exec (closing
    /// <paramref name="fd"/>).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="number">The fixed number.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long MoveTo(long fd, int number)
    {
        if (fd == number)
        {
            return SetCloseOnExec(number, true);
        }

        long r = HostLinux.Syscall((long)SyscallNumber.Dup3, fd, number, (long)OpenFlags.CloseOnExec);
        HostLinux.Syscall((long)SyscallNumber.Close, fd);
        return r < 0 ? r : 0;
    }

    /// <summary>Sets or clears close-on-exec on a host descriptor.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="closeOnExec">The flag.</param>
    /// <returns>0 or <c>-errno</c> (EBADF when not open).</returns>
    public static long SetCloseOnExec(int fd, bool closeOnExec) =>
        HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.SetFd, closeOnExec ? CloseOnExecFlag : 0);

    /// <summary>True when host descriptor <paramref name="fd"/> is open.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <returns>Whether it is open.</returns>
    public static bool IsOpen(int fd) => HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.GetFd) >= 0;

    private const long AtFdCwd = -100;

    /// <summary>Throws for a failed host call during startup (a host problem, not guest input).</summary>
    /// <param name="result">The result.</param>
    /// <param name="what">What was attempted.</param>
    internal static void Check(long result, string what)
    {
        if (result < 0)
        {
            throw new HandoffRejectedException(what + ": " + ((LinuxError)(int)-result).Message());
        }
    }
}
