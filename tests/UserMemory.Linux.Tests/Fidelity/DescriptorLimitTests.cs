using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// A guest at its descriptor limit (issue 11; CPython's test_subprocess test_no_leaking and test_pass_fds):
/// tests/probes/descriptor_limit.c, built with musl and with glibc, natively and under the runner, same bytes.
/// <list type="bullet">
/// <item><c>select</c>: select/pselect6 on descriptors near 1023, whose host descriptors lie above 1023 (the runner
/// once asked the host's select and answered EBADF, so CPython's communicate failed and its child never exited), a
/// /proc file, a closed number, select's timeout rules, an exception-only set on a broken pipe.</item>
/// <item><c>nested</c>: a fork child fills its table, then forks and execs (a fork child's runner once let a guest
/// descriptor take the lifeline's number, and the next runner refused the table: exit 65).</item>
/// <item><c>fdwalk</c>: /proc/self/fd read in small steps while closing its entries (entries were numbered by index,
/// so every close made the reader skip one: CPython's close_fds left descriptors open).</item>
/// <item><c>exhaust</c> (hostile): the guest raises its soft limit to the hard one and takes every descriptor the host
/// lets it have, then calls that need descriptors of their own, and forks with room for one to sixteen more. The
/// runner's own descriptors count against the same host limit, so the answers differ from native and only the
/// runner's survival is compared: every call answers, nothing hangs, no .NET exception (fork once threw from the
/// memory snapshot's memfd_create, and a table past 1024 entries did not fit the hand-off).</item>
/// </list>
/// Linux is the oracle; every run has a hard limit.
/// </summary>
public sealed class DescriptorLimitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [ProbeTheory]
    [InlineData("select", "musl")]
    [InlineData("select", "glibc-static")]
    [InlineData("nested", "musl")]
    [InlineData("nested", "glibc-static")]
    [InlineData("fdwalk", "musl")]
    [InlineData("fdwalk", "glibc-static")]
    public void A_guest_at_its_descriptor_limit_behaves_as_on_Linux(string mode, string build) =>
        Differential.AssertSameAsNative(Probe(build), [mode], Limit);

    [ProbeTheory]
    [InlineData("musl")]
    [InlineData("glibc-static")]
    public void A_guest_holding_every_host_descriptor_gets_answers_and_the_runner_survives(string build)
    {
        RawResult r = RawProcess.RunUnderRunner([Probe(build), "exhaust"], Limit);
        Assert.False(r.TimedOut, "the runner hung\n" + r);
        Assert.False(r.ShowsDotnetStackTrace, "the runner threw\n" + r);
        Assert.Equal(0, r.ExitCode);
        Assert.EndsWith("fork_after answered \nexhaust done\n", r.StdoutText, StringComparison.Ordinal);
    }

    private static string Probe(string build) => build == "musl" ? Probes.Get("descriptor_limit") : Probes.GetGlibcStatic("descriptor_limit");
}
