using System;
using System.Globalization;

namespace UserMemory.Reliability.Tests.Support;

/// <summary>How much fuzzing to do: <c>USERMEMORY_FUZZ_CASES</c> (operations compared; default 100 000) and
/// <c>USERMEMORY_FUZZ_SEED</c> (a CsCheck seed to replay).</summary>
public static class FuzzBudget
{
    /// <summary>The default number of cases in CI.</summary>
    public const long DefaultCases = 100_000;

    /// <summary>Operations to compare.</summary>
    public static long Cases =>
        long.TryParse(Environment.GetEnvironmentVariable("USERMEMORY_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : DefaultCases;

    /// <summary>The seed to replay, or null.</summary>
    public static string? Seed => Environment.GetEnvironmentVariable("USERMEMORY_FUZZ_SEED") is { Length: > 0 } s ? s : null;
}
