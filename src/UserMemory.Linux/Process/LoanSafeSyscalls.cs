using System;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Process;

/// <summary>
/// The system calls a child may make while it still borrows its parent's memory (<see cref="MemoryLoan"/>): those
/// that return at once and change no memory mapping. They are what a shell or <c>posix_spawn</c> child does between
/// <c>fork</c> and <c>execve</c>: descriptor shuffling, pipes, signals (dispositions, masks, sending), process groups,
/// identity queries, <c>chdir</c>, <c>stat</c>, waits with WNOHANG, and the <c>execve</c> or <c>exit</c> itself.
/// Credential changes are left out on purpose: after one, this process's <c>/proc/self</c> files may no longer open,
/// and the copy reads <c>/proc/self/pagemap</c>. Anything else (a read or write
/// that could wait on the parent, <c>open</c> of a FIFO, <c>mmap</c>, <c>wait4</c>, a sleep) makes the child take its
/// own copy first, so the waiting parent never depends on the child's progress.
/// </summary>
internal static class LoanSafeSyscalls
{
    /// <summary>Whether <paramref name="number"/> with <paramref name="args"/> may run while borrowing.</summary>
    /// <param name="number">The syscall number.</param>
    /// <param name="args">Its arguments.</param>
    /// <returns>True when it neither blocks nor changes mappings.</returns>
    public static bool Allows(long number, ReadOnlySpan<ulong> args) => (SyscallNumber)number switch
    {
        SyscallNumber.Execve or SyscallNumber.Execveat or SyscallNumber.Exit or SyscallNumber.ExitGroup => true,
        SyscallNumber.Close or SyscallNumber.CloseRange or SyscallNumber.Dup or SyscallNumber.Dup2 or SyscallNumber.Dup3 => true,
        SyscallNumber.Fcntl => IsNonBlockingFcntl(args[1]),
        SyscallNumber.Ioctl => IsNonBlockingIoctl(args[1]),
        SyscallNumber.RtSigaction or SyscallNumber.RtSigprocmask or SyscallNumber.RtSigreturn or SyscallNumber.Sigaltstack => true,
        SyscallNumber.Setpgid or SyscallNumber.Setsid or SyscallNumber.Getpid or SyscallNumber.Getppid or SyscallNumber.Gettid => true,
        SyscallNumber.Getpgrp or SyscallNumber.Getpgid or SyscallNumber.Getsid => true,
        SyscallNumber.Getuid or SyscallNumber.Geteuid or SyscallNumber.Getgid or SyscallNumber.Getegid or SyscallNumber.Getgroups => true,
        SyscallNumber.Getresuid or SyscallNumber.Getresgid => true,
        SyscallNumber.Umask or SyscallNumber.Chdir or SyscallNumber.Fchdir or SyscallNumber.Getcwd => true,
        SyscallNumber.Stat or SyscallNumber.Lstat or SyscallNumber.Fstat or SyscallNumber.Newfstatat or SyscallNumber.Statx => true,
        SyscallNumber.Access or SyscallNumber.Faccessat or SyscallNumber.Faccessat2 or SyscallNumber.Readlink or SyscallNumber.Readlinkat => true,
        SyscallNumber.SetRobustList or SyscallNumber.SetTidAddress or SyscallNumber.ArchPrctl or SyscallNumber.Prctl => true,
        SyscallNumber.Getrlimit or SyscallNumber.Setrlimit or SyscallNumber.Prlimit64 or SyscallNumber.Uname => true,
        SyscallNumber.ClockGettime or SyscallNumber.Gettimeofday or SyscallNumber.Time or SyscallNumber.SchedGetaffinity => true,
        SyscallNumber.SchedYield or SyscallNumber.Getcpu or SyscallNumber.Getpriority or SyscallNumber.Setpriority => true,
        SyscallNumber.Pipe or SyscallNumber.Pipe2 or SyscallNumber.Kill or SyscallNumber.Tkill or SyscallNumber.Tgkill => true,
        SyscallNumber.RtSigpending or SyscallNumber.Getrusage or SyscallNumber.Times or SyscallNumber.Sysinfo or SyscallNumber.Capget => true,
        SyscallNumber.Wait4 => (args[2] & WaitNoHang) != 0,
        SyscallNumber.Waitid => (args[3] & WaitNoHang) != 0,
        _ => false,
    };

    /// <summary>WNOHANG: a wait that returns at once.</summary>
    private const ulong WaitNoHang = 1;

    /// <summary>fcntl commands that return at once (not the waiting lock commands, nor leases or seals).</summary>
    private static bool IsNonBlockingFcntl(ulong command) => (FcntlCommand)command is FcntlCommand.DupFd or FcntlCommand.DupFdCloseOnExec
        or FcntlCommand.GetFd or FcntlCommand.SetFd or FcntlCommand.GetFl or FcntlCommand.SetFl;

    /// <summary>The terminal and descriptor ioctls a job-control shell's child makes (not the draining ones).</summary>
    private static bool IsNonBlockingIoctl(ulong request) => (uint)request switch
    {
        (uint)TerminalIoctl.GetAttributes or (uint)TerminalIoctl.GetProcessGroup or (uint)TerminalIoctl.SetProcessGroup => true,
        (uint)TerminalIoctl.GetWindowSize or (uint)DescriptorIoctl.CloseOnExec or (uint)DescriptorIoctl.NoCloseOnExec => true,
        _ => false,
    };
}
