using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, descriptor games (issue 10): tests/probes/hostile_fds.c probes every descriptor number 3..1023 with
/// fcntl, fstat, dup, F_DUPFD, dup2 and lseek, truncates whatever /proc/self/fd offers, and overwrites every number with
/// dup2 before close_range. The guest must see only its own descriptors (Linux is the oracle: a native run starts with
/// none above 2), and nothing it does to a descriptor may reach the runner's memfd, pipes or trace output.
/// </summary>
public sealed class DescriptorGameTests
{
    [ProbeTheory]
    [InlineData("scan")]
    [InlineData("truncate")]
    [InlineData("clobber")]
    public void Guest_sees_and_damages_only_its_own_descriptors(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_fds"), [mode]);

    [ProbeFact]
    public void Dup2_over_every_number_leaves_the_runner_working()
    {
        RawResult emulated = RawProcess.RunUnderRunner([Probes.Get("hostile_fds"), "clobber"], Differential.DefaultLimit);
        Assert.False(emulated.TimedOut, emulated.ToString());
        Assert.False(emulated.ShowsDotnetStackTrace, emulated.ToString());
        Assert.Equal(0, emulated.ExitCode);
        Assert.Contains("dup2_stdout_over_3_to_1023 ok=1021\nafter dup2 flood: memory=1 fork=1 child_status=7\n", emulated.StdoutText, System.StringComparison.Ordinal);
        Assert.EndsWith("survived\n", emulated.StdoutText, System.StringComparison.Ordinal);
    }
}
