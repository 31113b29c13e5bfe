using System;
using System.IO;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Process;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, forged hand-off (issue 10): the runner's internal options that carry a process from one runner to
/// the next are reachable by anyone who can start the runner, so garbage and truncated states must be rejected with a
/// clear message and a non-zero exit status, never a .NET stack trace or a crash. The old options (<c>--resume FD</c>,
/// <c>--exec-state S</c>) are gone and must fail as unknown options; the hand-off is now <c>--handoff</c> alone with a
/// sealed memfd on descriptor 1000 (see <see cref="UserMemory.Linux.Process.HandoffChannel"/>), and forged states
/// delivered that way (as a sealed memfd, or as a plain file) are rejected the same way.
/// </summary>
public sealed class ForgedHandoffTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--resume", "abc")]
    [InlineData("--resume", "99999999999999999999")]
    [InlineData("--resume", "77")]
    [InlineData("--resume", "0")]
    [InlineData("--resume", "2")]
    [InlineData("--resume")]
    [InlineData("--exec-state", "garbage", "/bin/true")]
    [InlineData("--exec-state", "", "/bin/true")]
    [InlineData("--exec-state", "0:x", "/bin/true")]
    [InlineData("--exec-state", "0:0:q", "/bin/true")]
    [InlineData("--exec-state", "5000:1", "/bin/true")]
    [InlineData("--exec-state", "0:-1", "/bin/true")]
    [InlineData("--exec-state", "0:0;abc", "/bin/true")]
    [InlineData("--exec-state", "0:0;-;notanumber", "/bin/true")]
    [InlineData("--exec-state", "0:0;-;99999999999999999999999", "/bin/true")]
    [InlineData("--exec-state", "0:0;99999999999;0", "/bin/true")]
    [InlineData("--exec-state")]
    public void Garbage_hand_off_options_fail_cleanly(params string[] arguments)
    {
        RawResult r = RawProcess.RunUnderRunner(arguments, Limit);
        AssertCleanRejection(r);
    }

    /// <summary>Forged fork states in a file the runner is told to resume from.</summary>
    public static TheoryData<string, byte[]> ForgedStates()
    {
        byte[] magic = BitConverter.GetBytes(0x314b524f464d5355UL); // the fork state's magic today
        var random = new Random(10);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "noise", noise },
            { "length only", BitConverter.GetBytes(100L) },
            { "negative length", BitConverter.GetBytes(-8L) },
            { "huge length", BitConverter.GetBytes(long.MaxValue) },
            { "magic then truncated", [.. BitConverter.GetBytes(64L), .. magic, 1, 2, 3] },
            { "negative name length", [.. BitConverter.GetBytes(12L), .. magic, .. BitConverter.GetBytes(-1)] },
            { "name longer than the state", [.. BitConverter.GetBytes(12L), .. magic, .. BitConverter.GetBytes(int.MaxValue)] },
            { "wrong magic", [.. BitConverter.GetBytes(16L), .. BitConverter.GetBytes(0x0102030405060708UL), .. new byte[8]] },
        };
    }

    [Theory]
    [MemberData(nameof(ForgedStates))]
    public void Forged_fork_state_fails_cleanly(string what, byte[] state)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, state);

            // The state travels in an inherited descriptor: give the runner one on descriptor 5.
            RawResult r = RawProcess.Run("/bin/sh", ["-c", "exec 5<\"$0\" && exec \"$1\" --resume 5", file, Repository.Runner], Limit);
            Assert.True(r.ExitCode is not 0, what + ": accepted\n" + r);
            AssertCleanRejection(r);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--handoff", "extra")]
    [InlineData("--handoff", "/bin/true")]
    [InlineData("--strace", "--handoff")]
    [InlineData("--handoff")]
    public void Handoff_option_without_a_state_or_with_arguments_fails_cleanly(params string[] arguments) =>
        AssertCleanRejection(RawProcess.RunUnderRunner(arguments, Limit));

    /// <summary>States in the current format, each wrong in one way.</summary>
    public static TheoryData<string, byte[]> ForgedHandoffStates()
    {
        var random = new Random(11);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        byte[] valid = ValidExecState();
        byte[] wrongVersion = (byte[])valid.Clone();
        wrongVersion[8] = 9;
        byte[] hugeLength = (byte[])valid.Clone();
        BitConverter.TryWriteBytes(hugeLength.AsSpan(16), long.MaxValue);
        byte[] longerThanFile = (byte[])valid.Clone();
        BitConverter.TryWriteBytes(longerThanFile.AsSpan(16), 1L << 20);
        byte[] table = HandoffStateTests.ForkAreaTable();
        byte[] memoryClosed = HandoffStateTests.ForkState(table, memoryDescriptor: 900, shared: [(3, HandoffSharedBacking.Memory)]).Encode();
        byte[] sharedClosed = HandoffStateTests.ForkState(table, memoryDescriptor: 3, shared: [(901, HandoffSharedBacking.Memory)]).Encode();
        byte[] badTable = new HandoffState
        {
            Kind = HandoffKind.Exec,
            Program = "/bin/busybox"u8.ToArray(),
            Arguments = ["true"u8.ToArray()],
            FdTable = "0:0,1:1001",
            Limits = ResourceLimits.FromHost().ToArray(),
        }.Encode();
        return new TheoryData<string, byte[]>
        {
            { "memory snapshot on a closed descriptor", memoryClosed },
            { "shared object on a closed descriptor", sharedClosed },
            { "empty", [] },
            { "noise", noise },
            { "header only", valid[..HandoffState.HeaderSize] },
            { "truncated payload", valid[..(valid.Length - 3)] },
            { "wrong version", wrongVersion },
            { "huge payload length", hugeLength },
            { "payload longer than the file", longerThanFile },
            { "descriptor table naming the trace descriptor", badTable },
        };
    }

    [Theory]
    [MemberData(nameof(ForgedHandoffStates))]
    public void Forged_state_in_a_sealed_memfd_fails_cleanly(string what, byte[] state)
    {
        RawResult r = RunWithSealedState(state);
        Assert.True(r.ExitCode is not 0, what + ": accepted\n" + r);
        AssertCleanRejection(r);
        Assert.Contains("rejected hand-off", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_state_in_a_plain_file_is_refused_as_not_sealed()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, ValidExecState());
            RawResult r = RawProcess.Run("/bin/bash", ["-c", "exec \"$1\" --handoff 1000<\"$0\"", file, Repository.Runner], Limit);
            AssertCleanRejection(r);
            Assert.Contains("not a sealed hand-off memfd", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_valid_sealed_state_runs_its_program_with_byte_exact_arguments()
    {
        // Positive control: the same path a runner uses. (Whoever can start the runner can run any program anyway,
        // so a valid state grants nothing.)
        RawResult r = RunWithSealedState(ValidExecState());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal([(byte)'a', 0x80, 0xff, (byte)'\n'], r.Stdout);
    }

    [Fact]
    public void A_guest_cannot_hand_a_state_to_a_host_runner()
    {
        // The guest opens a valid state on its descriptor 1000 and executes the runner binary with --handoff. Guest
        // descriptors are virtual and guest execve is emulated, so no host runner ever sees that state.
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, ValidExecState());
            RawResult r = RawProcess.RunUnderRunner(["/bin/busybox", "sh", "-c", "exec 1000<\"$0\"; exec \"$1\" --handoff", file, Repository.Runner], Limit);
            Assert.False(r.TimedOut, r.ToString());
            Assert.False(r.ShowsDotnetStackTrace, r.ToString());
            Assert.NotEqual(0, r.ExitCode);
            Assert.Empty(r.Stdout);
            Assert.DoesNotContain("hand-off", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static byte[] ValidExecState() => new HandoffState
    {
        Kind = HandoffKind.Exec,
        Program = "/bin/busybox"u8.ToArray(),
        Arguments = ["echo"u8.ToArray(), [(byte)'a', 0x80, 0xff]],
        FdTable = "0:0,1:1,2:2",
        Limits = ResourceLimits.FromHost().ToArray(),
    }.Encode();

    /// <summary>Puts <paramref name="state"/> in a sealed memfd of this process and starts the runner with it on
    /// descriptor 1000 (opened through /proc/PID/fd, which reaches the same sealed memfd).</summary>
    private static RawResult RunWithSealedState(byte[] state)
    {
        const long MfdAllowSealing = 2;
        const long FcntlAddSeals = 1033;
        const long AllSeals = 15;
        long memfd = HostLinux.Syscall((long)SyscallNumber.MemfdCreate, "forged\0"u8.ToArray(), 0, [0, MfdAllowSealing, 0, 0, 0, 0]);
        Assert.True(memfd >= 0);
        try
        {
            Assert.Equal(0, HostLinux.WriteAll((int)memfd, state));
            Assert.Equal(0, HostLinux.Syscall((long)SyscallNumber.Fcntl, memfd, FcntlAddSeals, AllSeals));
            string path = "/proc/" + Environment.ProcessId + "/fd/" + memfd;
            return RawProcess.Run("/bin/bash", ["-c", "exec \"$1\" --handoff 1000<\"$0\"", path, Repository.Runner], Limit);
        }
        finally
        {
            HostLinux.Syscall((long)SyscallNumber.Close, memfd);
        }
    }

    private static void AssertCleanRejection(RawResult r)
    {
        Assert.False(r.TimedOut, "the runner hung on a forged hand-off\n" + r);
        Assert.False(r.ShowsDotnetStackTrace, "the runner printed a .NET stack trace\n" + r);
        Assert.True(r.ExitCode is > 0 and < 128, "expected a clean non-zero exit status (not 0, not death by a signal)\n" + r);
        Assert.Contains("usermem-run", r.Stderr, StringComparison.Ordinal);
    }
}
