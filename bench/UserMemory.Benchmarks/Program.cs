using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace UserMemory.Benchmarks;

/// <summary>
/// Entry point. <c>--short</c> runs every benchmark with the quick in-process job (<see cref="BenchConfig.Short"/>);
/// <c>--memory</c> prints the address space's memory overhead (<see cref="MemoryOverheadReport"/>); any other arguments
/// go to BenchmarkDotNet's switcher with the full default job, e.g. <c>--filter '*'</c>.
/// </summary>
public static class Program
{
    /// <summary>Runs the selected benchmarks.</summary>
    /// <param name="args">BenchmarkDotNet arguments, plus <c>--short</c>.</param>
    /// <returns>0.</returns>
    public static int Main(string[] args)
    {
        if (args.Contains("--memory"))
        {
            MemoryOverheadReport.Run();
            return 0;
        }

        bool quick = args.Contains("--short");
        string[] rest = [.. args.Where(a => a != "--short")];
        if (quick && !rest.Any(a => a.StartsWith("--filter", StringComparison.Ordinal)))
        {
            rest = [.. rest, "--filter", "*"];
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, quick ? BenchConfig.Short() : BenchConfig.Full());
        return 0;
    }
}
