using System;
using System.Collections.Generic;
using System.Linq;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Linux as the oracle: runs one program natively and under the runner (same arguments, input, directory
/// and time limit) and asserts the same standard output bytes and the same exit status.</summary>
internal static class Differential
{
    /// <summary>The default hard limit for one run of a probe.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(90);

    /// <summary>Runs <paramref name="program"/> both ways and asserts identical results; the native run must finish.</summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="limit">Hard time limit of each run (default <see cref="DefaultLimit"/>).</param>
    /// <param name="stdin">Standard input for both runs.</param>
    /// <param name="workingDirectory">The working directory of both runs.</param>
    /// <returns>The emulated result, for further assertions.</returns>
    public static RawResult AssertSameAsNative(
        string program,
        IReadOnlyList<string> arguments,
        TimeSpan? limit = null,
        byte[]? stdin = null,
        string? workingDirectory = null)
    {
        TimeSpan l = limit ?? DefaultLimit;
        RawResult native = RawProcess.Run(program, arguments, l, stdin, workingDirectory);
        Assert.False(native.TimedOut, "the native run did not finish (the probe itself hangs)\n" + native);
        RawResult emulated = RawProcess.RunUnderRunner([program, .. arguments], l, stdin, workingDirectory);
        AssertSame(native, emulated);
        return emulated;
    }

    /// <summary>Asserts that the run under the runner ended like the native run and printed the same bytes.</summary>
    /// <param name="native">The native result.</param>
    /// <param name="emulated">The result under the runner.</param>
    public static void AssertSame(RawResult native, RawResult emulated)
    {
        Assert.False(emulated.TimedOut, "the runner did not finish within its limit (hang)\n" + emulated);
        Assert.False(emulated.ShowsDotnetStackTrace, "the runner printed a .NET stack trace\n" + emulated);
        if (native.ExitCode != emulated.ExitCode || !native.Stdout.AsSpan().SequenceEqual(emulated.Stdout))
        {
            Assert.Fail("native and emulated runs differ\n=== native ===\n" + native + "\n=== under usermem-run ===\n" + emulated
                + "\n=== first differing line ===\n" + FirstDifference(native.StdoutText, emulated.StdoutText));
        }
    }

    private static string FirstDifference(string native, string emulated)
    {
        string[] a = native.Split('\n');
        string[] b = emulated.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string x = i < a.Length ? a[i] : "(none)";
            string y = i < b.Length ? b[i] : "(none)";
            if (x != y)
            {
                return $"line {i + 1}: native \"{x}\" vs runner \"{y}\"";
            }
        }

        return "(same text; the exit status differs)";
    }
}
