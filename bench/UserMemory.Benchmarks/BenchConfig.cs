using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace UserMemory.Benchmarks;

/// <summary>The two configurations: the full default job, and a quick one that fits in a few minutes on 2 cores.</summary>
public static class BenchConfig
{
    /// <summary>BenchmarkDotNet's default job (separate process per benchmark, default iteration counts), with the
    /// operations-per-second column and allocation counts.</summary>
    /// <returns>The configuration.</returns>
    public static IConfig Full() => Common(ManualConfig.Create(DefaultConfig.Instance));

    /// <summary>
    /// One in-process run per benchmark: 3 warm-up and 5 measured iterations of about 200 ms. In-process so the
    /// 100 000-area fixture is built once and shared between cases, and no benchmark project is generated and
    /// compiled.
    /// </summary>
    /// <returns>The configuration.</returns>
    public static IConfig Short()
    {
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithId("Short");
        return Common(ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
            .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddColumnProvider(DefaultColumnProviders.Instance));
    }

    private static ManualConfig Common(ManualConfig config) => config
        .AddColumn(StatisticColumn.OperationsPerSecond)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .WithOptions(ConfigOptions.DisableLogFile);
}
