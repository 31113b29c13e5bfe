using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace UserMemory.Benchmarks;

/// <summary>
/// Entry point. <c>--short</c> runs every benchmark with the quick in-process jobs
/// (<see cref="BenchConfig.ShortSingleThreaded"/>, then <see cref="BenchConfig.ShortThreadScaling"/>);
/// <c>--threads</c> runs the Stopwatch thread-scaling harness (<see cref="ThreadScalingReport"/>);
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

        if (args.Contains("--threads"))
        {
            ThreadScalingReport.Run();
            return 0;
        }

        bool quick = args.Contains("--short");
        string[] rest = [.. args.Where(a => a != "--short")];
        if (quick && !rest.Any(a => a.StartsWith("--filter", StringComparison.Ordinal)))
        {
            rest = [.. rest, "--filter", "*"];
        }

        BenchmarkSwitcher switcher = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly);
        if (!quick)
        {
            switcher.Run(rest, BenchConfig.Full());
            return 0;
        }

        // Two passes: single-threaded benchmarks on the thread-CPU-time clock, thread scaling on the wall clock.
        switcher.Run(rest, BenchConfig.ShortSingleThreaded());
        switcher.Run(rest, BenchConfig.ShortThreadScaling());
        return 0;
    }
}
