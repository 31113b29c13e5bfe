using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using UserMemory.Benchmarks.Benchmarks;

namespace UserMemory.Benchmarks;

/// <summary>The configurations: the full default job, and a quick one that fits in a few minutes on 2 cores.</summary>
public static class BenchConfig
{
    /// <summary>BenchmarkDotNet's default job (separate process per benchmark, default iteration counts, wall clock),
    /// with Min, Median and operations-per-second columns and allocation counts.</summary>
    /// <returns>The configuration.</returns>
    public static IConfig Full() => Common(ManualConfig.Create(DefaultConfig.Instance));

    /// <summary>
    /// The short mode for every benchmark but <see cref="ThreadScalingBenchmarks"/>: one in-process run per benchmark,
    /// 3 warm-up and 15 measured iterations of about 40 ms, timed with <see cref="ThreadCpuClock"/>. In-process so the
    /// 100 000-area fixture is built once and shared between cases and no benchmark project is generated and compiled;
    /// thread CPU time so that other processes on a shared machine do not inflate the figures.
    /// </summary>
    /// <returns>The configuration.</returns>
    public static IConfig ShortSingleThreaded() =>
        Short(ShortJob("Short-cpu").WithClock(ThreadCpuClock.Instance))
            .AddFilter(new SimpleFilter(c => c.Descriptor.Type != typeof(ThreadScalingBenchmarks)));

    /// <summary>The short mode for <see cref="ThreadScalingBenchmarks"/>: the same job on the wall clock, since the
    /// point is how much work two threads finish per unit of real time.</summary>
    /// <returns>The configuration.</returns>
    public static IConfig ShortThreadScaling() =>
        Short(ShortJob("Short-wall"))
            .AddFilter(new SimpleFilter(c => c.Descriptor.Type == typeof(ThreadScalingBenchmarks)));

    private static Job ShortJob(string id) => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(40))
        .WithId(id);

    private static ManualConfig Short(Job job) => Common(ManualConfig.CreateEmpty()
        .AddJob(job)
        .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
        .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
        .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
        .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
        .AddColumnProvider(DefaultColumnProviders.Instance));

    private static ManualConfig Common(ManualConfig config) => config
        .AddColumn(StatisticColumn.Min, StatisticColumn.Median, StatisticColumn.OperationsPerSecond)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .WithOptions(ConfigOptions.DisableLogFile);
}
