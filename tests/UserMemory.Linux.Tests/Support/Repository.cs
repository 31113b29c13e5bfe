using System;
using System.Collections.Generic;
using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The directory holding UserMemory.slnx.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The runner executable: $USERMEM_RUNNER, else the apphost built next to this test assembly's
    /// configuration.</summary>
    public static string Runner
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("USERMEM_RUNNER");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return fromEnv;
            }

            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            return Path.Combine(Root, "src", "UserMemory.Runner", "bin", configuration, "net10.0", "usermem-run");
        }
    }

    /// <summary>The runner options that pick the CPU backend under test: <c>--cpu $USERMEM_TEST_CPU</c> when that
    /// variable is set (scripts/test.sh runs the Linux suite once per backend), else none (the runner's auto).</summary>
    public static IReadOnlyList<string> RunnerCpuArguments { get; } =
        Environment.GetEnvironmentVariable("USERMEM_TEST_CPU") is { Length: > 0 } cpu ? ["--cpu", cpu] : [];

    /// <summary>The probe sources.</summary>
    public static string Probes => Path.Combine(Root, "tests", "probes");

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "UserMemory.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("UserMemory.slnx not found above " + AppContext.BaseDirectory);
    }
}
