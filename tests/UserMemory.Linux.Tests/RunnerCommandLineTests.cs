using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>usermem-run's command line (System.CommandLine): help, usage errors without stack traces, and the guest's
/// arguments passed on untouched.</summary>
public sealed class RunnerCommandLineTests
{
    private const int UsageError = 2;
    private const string Busybox = "/bin/busybox";

    [Fact]
    public void Help_documents_every_public_option_and_hides_the_internal_hand_off()
    {
        ProcessResult r = HostProcess.RunUnderRunner(["--help"]);
        Assert.Equal(0, r.ExitCode);
        foreach (string option in new[] { "--strace", "--strace-file", "--stats", "--cpu", "--memory", "--max-processes", "--root", "--read-only", "--help", "--version", "<program>", "<args>" })
        {
            Assert.Contains(option, r.Stdout, System.StringComparison.Ordinal);
        }

        foreach (string hidden in new[] { "--handoff", "--resume", "--exec-state" })
        {
            Assert.DoesNotContain(hidden, r.Stdout, System.StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new string[0], "no program given")]
    [InlineData(new[] { "--bogus", "/bin/true" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--strace=yes", "/bin/true" }, "unknown option '--strace=yes'")]
    [InlineData(new[] { "--resume", "abc" }, "unknown option '--resume'")]
    [InlineData(new[] { "--exec-state" }, "unknown option '--exec-state'")]
    [InlineData(new[] { "--handoff", "/bin/true" }, "--handoff is internal")]
    [InlineData(new[] { "--cpu", "bogus", "/bin/true" }, "--cpu takes auto, unicorn or kvm")]
    [InlineData(new[] { "--memory", "0", "/bin/true" }, "invalid --memory size")]
    [InlineData(new[] { "--memory", "99999999999T", "/bin/true" }, "invalid --memory size")]
    [InlineData(new[] { "--max-processes", "0", "/bin/true" }, "--max-processes takes 1 to 1024")]
    [InlineData(new[] { "--max-processes", "1025", "/bin/true" }, "--max-processes takes 1 to 1024")]
    public void Malformed_command_lines_print_a_message_and_exit_2_without_a_stack_trace(string[] args, string message)
    {
        ProcessResult r = RunExactly(args);
        Assert.Equal(UsageError, r.ExitCode);
        Assert.Contains(message, r.Stderr, System.StringComparison.Ordinal);
        Assert.Contains("usermem-run --help", r.Stderr, System.StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, System.StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Options_after_the_program_belong_to_the_guest()
    {
        ProcessResult r = HostProcess.RunUnderRunner([Busybox, "echo", "--strace", "-h", "@file", "--"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("--strace -h @file --\n", r.Stdout);
        Assert.Equal(string.Empty, r.Stderr);
    }

    [Fact]
    public void Double_dash_ends_the_runner_options()
    {
        ProcessResult r = HostProcess.RunUnderRunner(["--stats", "--", Busybox, "echo", "hi"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hi\n", r.Stdout);
        Assert.Contains("usermem-run stats:", r.Stderr, System.StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_value_that_looks_like_an_option_is_still_a_value()
    {
        ProcessResult r = RunExactly(["--cpu", "--help", "--", Busybox, "true"]);
        Assert.Equal(UsageError, r.ExitCode);
        Assert.Contains("--cpu takes auto, unicorn or kvm, not '--help'", r.Stderr, System.StringComparison.Ordinal);
        Assert.DoesNotContain("Usage", r.Stdout, System.StringComparison.Ordinal);
    }

    /// <summary>Runs the runner with exactly <paramref name="args"/>: these tests are about its command line, so the
    /// suite's backend choice (<c>--cpu $USERMEM_TEST_CPU</c>) must not be added in front.</summary>
    private static ProcessResult RunExactly(string[] args) => HostProcess.Run(Repository.Runner, args);
}
