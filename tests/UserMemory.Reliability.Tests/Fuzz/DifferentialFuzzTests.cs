using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Linq;
using CsCheck;
using UserMemory.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>Part 1: every core API against the byte-granular model on random layouts with hostile arguments.</summary>
public sealed class DifferentialFuzzTests
{
    private const int OpsPerScenario = 40;
    private readonly ITestOutputHelper _output;

    /// <summary>Receives the xunit output.</summary>
    public DifferentialFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void EveryApiMatchesTheModel()
    {
        long before = DifferentialRunner.Cases;
        long cases = FuzzBudget.Cases;
        var watch = Stopwatch.StartNew();
        long scenarios = Math.Max(1, (cases + OpsPerScenario - 1) / OpsPerScenario);
        FuzzGen.Scenarios(OpsPerScenario).Sample(DifferentialRunner.Run, seed: FuzzBudget.Seed, iter: scenarios, print: s => s.ToString());
        long ran = DifferentialRunner.Cases - before;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"differential fuzz: {ran} cases ({scenarios} scenarios of {OpsPerScenario}), 0 mismatches, {watch.Elapsed.TotalSeconds:F0} s, seed {FuzzBudget.Seed ?? "random"}");
        foreach (var pair in DifferentialRunner.Coverage.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  {pair.Key}: {pair.Value}");
        }

        _output.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("USERMEMORY_FUZZ_REPORT") is { Length: > 0 } path)
        {
            File.WriteAllText(path, report.ToString());
        }

        Assert.True(ran >= cases, $"ran {ran} of {cases} cases");
    }
}
