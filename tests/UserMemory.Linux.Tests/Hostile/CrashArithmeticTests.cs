using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, crash arithmetic (issue 10): tests/probes/hostile_arith.c passes sizes, counts, offsets, descriptor
/// and signal numbers at the edges of their types to about 120 system calls, one group at a time. The runner must
/// survive every group, and (Linux as the oracle) answer each call as the kernel does.
/// </summary>
public sealed class CrashArithmeticTests
{
    [ProbeTheory]
    [InlineData("groups")]
    [InlineData("io")]
    [InlineData("vectors")]
    [InlineData("memory")]
    [InlineData("polling")]
    [InlineData("signals")]
    [InlineData("limits")]
    [InlineData("descriptors")]
    [InlineData("time")]
    [InlineData("processes")]
    public void Runner_survives_edge_values(string group)
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_arith"), group], Differential.DefaultLimit);
        Assert.False(r.TimedOut, r.ToString());
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("survived\n", r.StdoutText, System.StringComparison.Ordinal);
    }

    [ProbeTheory]
    [InlineData("groups")]
    [InlineData("io")]
    [InlineData("vectors")]
    [InlineData("memory")]
    [InlineData("polling")]
    [InlineData("signals")]
    [InlineData("limits")]
    [InlineData("descriptors")]
    [InlineData("time")]
    [InlineData("processes")]
    public void Edge_values_get_Linux_answers(string group) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_arith"), [group]);
}
