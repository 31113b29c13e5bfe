using System;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, forged hand-off (issue 10): the runner's internal options that carry a process from one runner to
/// the next (today <c>--resume FD</c> for fork and <c>--exec-state S</c> for execve) are reachable by anyone who can
/// start the runner, so garbage and truncated states must be rejected with a clear message and a non-zero exit status,
/// never a .NET stack trace or a crash. Should the hand-off move to other options, these still must fail cleanly
/// (an unknown option is a clean failure).
/// </summary>
public sealed class ForgedHandoffTests
{
    private const string ResumeThrows = "issue 10: a bad --resume value or descriptor ends in an unhandled .NET exception (stack trace, exit 134)";
    private const string ExecStateThrows = "issue 10: a malformed --exec-state ends in an unhandled .NET exception (stack trace, exit 134)";
    private const string ForkStateThrows = "issue 10: a forged or truncated fork state ends in an unhandled .NET exception (stack trace, exit 134)";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--resume", "abc", Skip = ResumeThrows)]
    [InlineData("--resume", "99999999999999999999", Skip = ResumeThrows)]
    [InlineData("--resume", "77", Skip = ResumeThrows)]
    [InlineData("--resume", "0", Skip = ResumeThrows)]
    [InlineData("--resume", "2", Skip = ResumeThrows)]
    [InlineData("--resume")]
    [InlineData("--exec-state", "garbage", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:x", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:0:q", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "5000:1", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:-1", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:0;abc", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:0;-;notanumber", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:0;-;99999999999999999999999", "/bin/true", Skip = ExecStateThrows)]
    [InlineData("--exec-state", "0:0;99999999999;0", "/bin/true", Skip = ExecStateThrows)]
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

    [Theory(Skip = ForkStateThrows)]
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

    private static void AssertCleanRejection(RawResult r)
    {
        Assert.False(r.TimedOut, "the runner hung on a forged hand-off\n" + r);
        Assert.False(r.ShowsDotnetStackTrace, "the runner printed a .NET stack trace\n" + r);
        Assert.True(r.ExitCode is > 0 and < 128, "expected a clean non-zero exit status (not 0, not death by a signal)\n" + r);
        Assert.Contains("usermem-run", r.Stderr, StringComparison.Ordinal);
    }
}
