using Perfolizer.Horology;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that counts the measuring thread's CPU time instead of wall time, so time slices taken by
/// other processes on a shared machine are not charged to the benchmark. Used by the short mode for single-threaded
/// benchmarks only (the thread-scaling benchmark needs wall time).
/// </summary>
public sealed class ThreadCpuClock : IClock
{
    /// <summary>The one instance.</summary>
    public static ThreadCpuClock Instance { get; } = new();

    /// <inheritdoc/>
    public string Title => "ThreadCpuTime";

    /// <inheritdoc/>
    public bool IsAvailable => true;

    /// <inheritdoc/>
    public Frequency Frequency => Frequency.FromGHz(1);

    /// <inheritdoc/>
    public long GetTimestamp() => RawMemory.ThreadCpuTimeNanoseconds();
}
