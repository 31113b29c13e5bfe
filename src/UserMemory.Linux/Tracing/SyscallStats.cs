using System.Diagnostics;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Tracing;

/// <summary>
/// <c>--stats</c>: counts the guest's syscalls and the time spent in the syscall layer, from the syscall hook's entry
/// (registers not yet read) to its return (result written), and prints one summary line per process on standard
/// error when the guest exits. Everything outside the hook is CPU emulation (and Unicorn's own hook dispatch).
/// </summary>
internal sealed class SyscallStats
{
    private const int MaxNumber = 512;
    private readonly long[] _counts = new long[MaxNumber];
    private readonly long[] _ticks = new long[MaxNumber];
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Records one syscall that took <paramref name="ticks"/> Stopwatch ticks.</summary>
    public void Record(long number, long ticks)
    {
        int slot = (ulong)number < MaxNumber ? (int)number : MaxNumber - 1;
        _counts[slot]++;
        _ticks[slot] += ticks;
    }

    /// <summary>Writes the summary: totals, then the five most frequent syscall numbers.</summary>
    public void Print(int pid)
    {
        long count = 0;
        long ticks = 0;
        for (int i = 0; i < MaxNumber; i++)
        {
            count += _counts[i];
            ticks += _ticks[i];
        }

        double wallUs = Stopwatch.GetElapsedTime(_started).TotalMicroseconds;
        double layerUs = ticks * 1e6 / Stopwatch.Frequency;
        CultureInfo c = CultureInfo.InvariantCulture;
        var line = new StringBuilder();
        line.Append(c, $"usermem-run stats: pid {pid}: {count} syscalls, {layerUs:F0} us in the syscall layer");
        line.Append(c, $" ({(count == 0 ? 0 : layerUs / count):F3} us/syscall), {wallUs:F0} us since start, {wallUs - layerUs:F0} us outside syscalls;");
        int[] order = new int[MaxNumber];
        for (int i = 0; i < MaxNumber; i++)
        {
            order[i] = i;
        }

        System.Array.Sort(order, (a, b) => _counts[b].CompareTo(_counts[a]));
        for (int k = 0; k < 5 && _counts[order[k]] > 0; k++)
        {
            int n = order[k];
            line.Append(c, $" nr {n}: {_counts[n]} x {_ticks[n] * 1e6 / Stopwatch.Frequency / _counts[n]:F3} us;");
        }

        TraceOutput.Write(Encoding.UTF8.GetBytes(line.Append('\n').ToString()));
    }
}
