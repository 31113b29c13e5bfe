using System;
using System.Globalization;
using Xunit.Abstractions;

namespace UserMemory.Reliability.Tests.Hostile;

/// <summary>
/// Part 3: a trinity-like guest (tests/UserMemory.Reliability.Tests/Hostile/syscall_storm.c) fires random system calls
/// with random pointers, lengths, fds and flags at the runner, with a fixed seed, including fenced families that fork
/// (children storm on their own and exit with random statuses), send and handle signals, mutate descriptors and
/// mutate paths, /proc paths among them. The runner must not crash or hang (it runs under a hard time limit), every
/// call must return a result or an errno, every forked child must be reaped, and the guest's guard region and
/// read-only region must be untouched. <c>USERMEMORY_STORM_CALLS</c> and <c>USERMEMORY_STORM_SEED</c> change the
/// count (default 20 000) and seed (default 0x5EED).
/// </summary>
public sealed class HostileGuestTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private readonly ITestOutputHelper _output;

    /// <summary>Receives the xunit output.</summary>
    public HostileGuestTests(ITestOutputHelper output) => _output = output;

    private static string Calls => Environment.GetEnvironmentVariable("USERMEMORY_STORM_CALLS") is { Length: > 0 } c ? c : "20000";

    private static string Seed => Environment.GetEnvironmentVariable("USERMEMORY_STORM_SEED") is { Length: > 0 } s ? s : "0x5EED";

    [HostileGuestFact]
    public void TheRunnerSurvivesASyscallStormAndNeverWritesWhereItWasNotAsked()
    {
        // The probe itself is sound: natively the real kernel passes every check.
        var native = StormProbe.Run(StormProbe.Executable, Limit, Seed, Calls, "120");
        _output.WriteLine("native: " + native.Stdout.Trim());
        Assert.True(native.ExitCode == 0, $"native run: exit {native.ExitCode}\n{native.Stdout}\n{native.Stderr}");

        var emulated = StormProbe.Run(StormProbe.RunnerPath!, Limit, StormProbe.Executable, Seed, Calls, "120");
        _output.WriteLine("runner: " + emulated.Stdout.Trim());
        Assert.True(emulated.ExitCode is not null, $"the runner did not finish within {Limit} (hang)\n{emulated.Stdout}\n{emulated.Stderr}");
        Assert.DoesNotContain("Unhandled exception", emulated.Stderr, StringComparison.Ordinal);
        Assert.True(emulated.ExitCode == 0, $"runner: exit {emulated.ExitCode}\n{emulated.Stdout}\n{emulated.Stderr}");
        string summary = emulated.Stdout.Trim().Split('\n')[^1];
        Assert.StartsWith("storm calls=" + long.Parse(Calls, CultureInfo.InvariantCulture), summary, StringComparison.Ordinal);
        Assert.EndsWith("bad_returns=0 guard=intact readonly=intact", summary, StringComparison.Ordinal);
        Assert.Contains(" unreaped=0 ", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(" children=0 ", summary, StringComparison.Ordinal);
    }

    [HostileGuestFact]
    public void TheGuardCheckNoticesAWriteIntoTheGuard()
    {
        var native = StormProbe.Run(StormProbe.Executable, Limit, Seed, "10", "60", "selftest");
        Assert.Equal(1, native.ExitCode);
        Assert.Contains("guard=CORRUPT", native.Stdout, StringComparison.Ordinal);
        var emulated = StormProbe.Run(StormProbe.RunnerPath!, Limit, StormProbe.Executable, Seed, "10", "60", "selftest");
        Assert.Equal(1, emulated.ExitCode);
        Assert.Contains("guard=CORRUPT", emulated.Stdout, StringComparison.Ordinal);
    }
}
