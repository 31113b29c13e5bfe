using System;
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
        long scenarios = Math.Max(1, (cases + OpsPerScenario - 1) / OpsPerScenario);
        FuzzGen.Scenarios(OpsPerScenario).Sample(DifferentialRunner.Run, seed: FuzzBudget.Seed, iter: scenarios, print: s => s.ToString());
        long ran = DifferentialRunner.Cases - before;
        _output.WriteLine($"differential fuzz: {ran} cases ({scenarios} scenarios), 0 mismatches");
        foreach (var pair in DifferentialRunner.Coverage.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            _output.WriteLine($"  {pair.Key}: {pair.Value}");
        }

        Assert.True(ran >= cases, $"ran {ran} of {cases} cases");
    }
}
