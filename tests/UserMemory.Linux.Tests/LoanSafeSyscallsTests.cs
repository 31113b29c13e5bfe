using UserMemory.Linux.Abi;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>
/// The calls a child may make while it borrows its parent's memory (<see cref="LoanSafeSyscalls"/>): only those that
/// return at once and change no mapping. Anything that could wait for the parent (a pipe read or write, an open, a
/// blocking wait or lock, a sleep) or remap must make the child take its own copy first.
/// </summary>
public sealed class LoanSafeSyscallsTests
{
    private static bool Allows(SyscallNumber number, params ulong[] args)
    {
        ulong[] all = new ulong[6];
        args.CopyTo(all, 0);
        return LoanSafeSyscalls.Allows((long)number, all);
    }

    [Theory]
    [InlineData(SyscallNumber.Execve)]
    [InlineData(SyscallNumber.ExitGroup)]
    [InlineData(SyscallNumber.Dup2)]
    [InlineData(SyscallNumber.Close)]
    [InlineData(SyscallNumber.RtSigprocmask)]
    [InlineData(SyscallNumber.Setpgid)]
    [InlineData(SyscallNumber.Pipe2)]
    [InlineData(SyscallNumber.Kill)]
    public void Calls_that_return_at_once_run_while_borrowing(SyscallNumber number) => Assert.True(Allows(number));

    [Theory]
    [InlineData(SyscallNumber.Read)]
    [InlineData(SyscallNumber.Write)]
    [InlineData(SyscallNumber.Openat)]
    [InlineData(SyscallNumber.Mmap)]
    [InlineData(SyscallNumber.Munmap)]
    [InlineData(SyscallNumber.Brk)]
    [InlineData(SyscallNumber.Nanosleep)]
    [InlineData(SyscallNumber.Futex)]
    [InlineData(SyscallNumber.Clone)]
    [InlineData(SyscallNumber.Setuid)]
    [InlineData(SyscallNumber.ProcessVmWritev)]
    public void Calls_that_may_wait_or_remap_take_a_copy_first(SyscallNumber number) => Assert.False(Allows(number));

    [Fact]
    public void Waits_and_descriptor_commands_are_judged_by_their_arguments()
    {
        const ulong NoHang = 1;
        Assert.True(Allows(SyscallNumber.Wait4, ulong.MaxValue, 0, NoHang));
        Assert.False(Allows(SyscallNumber.Wait4, ulong.MaxValue, 0, 0));
        Assert.True(Allows(SyscallNumber.Waitid, 0, 0, 0, NoHang | 4));
        Assert.False(Allows(SyscallNumber.Waitid, 0, 0, 0, 4));
        Assert.True(Allows(SyscallNumber.Fcntl, 3, (ulong)FcntlCommand.SetFd));
        Assert.False(Allows(SyscallNumber.Fcntl, 3, (ulong)FcntlCommand.SetLkWait));
        Assert.True(Allows(SyscallNumber.Ioctl, 0, (ulong)TerminalIoctl.SetProcessGroup));
        Assert.False(Allows(SyscallNumber.Ioctl, 0, (ulong)TerminalIoctl.SetAttributesDrain));
    }
}
