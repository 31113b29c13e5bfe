using System;
using System.Globalization;
using System.Text.RegularExpressions;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, resource exhaustion (issue 10): a 900 MiB .bss that is never touched, memory touched only by the
/// emulated CPU under a memory limit, and about 60 000 mappings (single pages, every other page of one mapping
/// unmapped, every other page of another made read-only), and a process that execs itself 1500 times. Memory is measured (peak resident size of the runner from
/// wait4's rusage, by tests/probes/hostile_bss.c run natively), never time.
/// </summary>
public sealed partial class ResourceExhaustionTests
{
    /// <summary>Peak resident size above which the runner clearly populated guest memory the guest never touched
    /// (the runner alone needs about 40 MiB; the untouched .bss is 900 MiB).</summary>
    private const int UntouchedBssRssLimitMib = 256;

    /// <summary>The memory limit given to the runner, and the amount the guest touches.</summary>
    private const int MemoryLimitMib = 64;

    private const int TouchedMib = 256;

    /// <summary>Runner baseline plus the limit: a peak above this means pages the CPU touched were not counted.</summary>
    private const int LimitedRssCeilingMib = MemoryLimitMib + 128;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    [ProbeFact]
    public void Untouched_bss_costs_no_memory()
    {
        string probe = Probes.Get("hostile_bss");
        RawResult r = RawProcess.Run(probe, ["measure", Repository.Runner, probe, "start"], Limit);
        Assert.Contains("started bss_mib=900 touched=1\n", r.StdoutText, StringComparison.Ordinal);
        (int exit, int rss) = Measured(r);
        Assert.Equal(0, exit);
        Assert.True(rss < UntouchedBssRssLimitMib, $"peak RSS {rss} MiB for a 900 MiB .bss touched once\n{r}");
    }

    [ProbeFact]
    public void Memory_limit_counts_pages_the_CPU_touches()
    {
        RawResult r = RawProcess.Run(
            Probes.Get("hostile_bss"),
            ["measure", Repository.Runner, "--memory", MemoryLimitMib + "M", Probes.Get("hostile_mappings"), "touch", TouchedMib.ToString(CultureInfo.InvariantCulture)],
            Limit);
        Assert.False(r.TimedOut, r.ToString());
        Assert.DoesNotContain("unknown option", r.Stderr, StringComparison.Ordinal);
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
        Assert.Contains("start\n", r.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain("touched", r.StdoutText, StringComparison.Ordinal);
        (int exit, int rss) = Measured(r);
        Assert.NotEqual(0, exit);
        Assert.True(rss < LimitedRssCeilingMib, $"peak RSS {rss} MiB under a {MemoryLimitMib} MiB limit\n{r}");
    }

    [ProbeFact]
    public void Sixty_five_thousand_mappings_work_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("hostile_mappings"), ["many"], Limit);

    [ProbeFact]
    public void Many_mappings_never_crash_the_runner()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_mappings"), "many"], Limit);
        Assert.False(r.TimedOut, "hang\n" + r);
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("done\n", r.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>Execs in the short and the long chain (tests/probes/exec_chain.c).</summary>
    private const int ShortChain = 100;

    private const int LongChain = 1500;

    /// <summary>How much more the runner may hold after the long chain than after the short one. Each exec inside the
    /// runner builds a new process; one that kept the old ones alive grew by about 40 KiB per exec (60 MiB here).</summary>
    private const int ExecChainGrowthLimitMib = 24;

    [ProbeFact]
    public void A_process_that_execs_itself_forever_does_not_grow_the_runner()
    {
        int shortRss = ChainPeakRss(ShortChain);
        int longRss = ChainPeakRss(LongChain);
        Assert.True(longRss - shortRss < ExecChainGrowthLimitMib, $"peak RSS {shortRss} MiB after {ShortChain} execs, {longRss} MiB after {LongChain}");
    }

    private static int ChainPeakRss(int count)
    {
        RawResult r = RawProcess.Run(
            Probes.Get("hostile_bss"),
            ["measure", Repository.Runner, .. Repository.RunnerCpuArguments, Probes.Get("exec_chain"), count.ToString(CultureInfo.InvariantCulture)],
            Limit);
        Assert.False(r.TimedOut, r.ToString());
        Assert.Contains("chain done\n", r.StdoutText, StringComparison.Ordinal);
        (int exit, int rss) = Measured(r);
        Assert.Equal(0, exit);
        return rss;
    }

    private static (int Exit, int RssMib) Measured(RawResult r)
    {
        Match m = MeasuredLine().Match(r.StdoutText);
        Assert.True(m.Success, "no measurement line\n" + r);
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"measured exit=(\d+) maxrss_mib=(\d+)")]
    private static partial Regex MeasuredLine();
}
