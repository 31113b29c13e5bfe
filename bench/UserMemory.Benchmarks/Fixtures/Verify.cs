using System;

namespace UserMemory.Benchmarks.Fixtures;

/// <summary>Setup-time checks that a benchmark measures the success path it claims to measure.</summary>
internal static class Verify
{
    /// <summary>Throws when <paramref name="actual"/> differs from <paramref name="expected"/>.</summary>
    public static void Equal(long expected, long actual, string what)
    {
        if (expected != actual)
        {
            throw new InvalidOperationException($"{what}: expected {expected}, got {actual}; the fixture is broken.");
        }
    }
}
