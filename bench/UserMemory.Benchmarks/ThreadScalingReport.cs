using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks;

/// <summary>
/// <c>--threads</c>: a Stopwatch harness for item 5 that also records each thread's CPU time. One and then two threads
/// do validated gets on one space (1 000 areas, each thread its own area) for a fixed time. It prints wall-clock
/// throughput (what 2 free cores give) and throughput per CPU-second of each thread: the latter does not depend on
/// whether the scheduler actually ran both threads at once, and drops only if the threads slow each other down
/// (a shared lock word or cache line), which is what "the read path must not serialise" is about.
/// </summary>
internal static class ThreadScalingReport
{
    private const int AreaCount = 1_000;
    private const int Batch = 4096;

    /// <summary>Runs each mode with 1 and 2 threads, <paramref name="rounds"/> rounds of <paramref name="seconds"/> each;
    /// prints the median round.</summary>
    public static void Run(double seconds = 1.0, int rounds = 5)
    {
        AddrSpace space = GuestLayout.CreateWithAreas(AreaCount);
        ulong[] addresses = [GuestLayout.AreaStart(AreaCount / 2), GuestLayout.AreaStart((AreaCount / 2) + 1)];
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"# Thread scaling: validated Get on one AddrSpace ({AreaCount} areas), {rounds} rounds of {seconds:F1} s, median round; load {LoadAverage()}"));
        Console.WriteLine("| mode | threads | gets/s (wall) | gets per CPU-second per thread | CPU used / wall | wall scaling 2/1 | per-CPU efficiency 2/1 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (bool scopePerGet in new[] { false, true })
        {
            string mode = scopePerGet ? "scope per get" : "one scope per 4096 gets";
            Round one = Median(rounds, () => Measure(space, addresses, 1, scopePerGet, seconds));
            Round two = Median(rounds, () => Measure(space, addresses, 2, scopePerGet, seconds));
            Console.WriteLine(string.Create(c, $"| {mode} | 1 | {one.WallRate:N0} | {one.CpuRate:N0} | {one.Utilisation:F2} | | |"));
            Console.WriteLine(string.Create(c, $"| {mode} | 2 | {two.WallRate:N0} | {two.CpuRate:N0} | {two.Utilisation:F2} | {two.WallRate / one.WallRate:F2} | {two.CpuRate / one.CpuRate:F2} |"));
        }

        space.Dispose();
    }

    private static string LoadAverage()
    {
        try
        {
            return System.IO.File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (System.IO.IOException)
        {
            return "unknown";
        }
    }

    private static Round Median(int rounds, Func<Round> measure)
    {
        var all = new Round[rounds];
        for (int i = 0; i < rounds; i++)
        {
            all[i] = measure();
        }

        Array.Sort(all, (a, b) => a.WallRate.CompareTo(b.WallRate));
        return all[rounds / 2];
    }

    private static Round Measure(AddrSpace space, ulong[] addresses, int threads, bool scopePerGet, double seconds)
    {
        long[] ops = new long[threads];
        long[] cpuNs = new long[threads];
        using var start = new Barrier(threads + 1);
        var stop = new StrongBox();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int slot = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                long cpu0 = RawMemory.ThreadCpuTimeNanoseconds();
                long n = 0;
                while (!Volatile.Read(ref stop.Value))
                {
                    n += scopePerGet ? GetsWithScopeEach(space, addresses[slot]) : GetsInScope(space, addresses[slot]);
                }

                cpuNs[slot] = RawMemory.ThreadCpuTimeNanoseconds() - cpu0;
                ops[slot] = n;
            });
            workers[t].Start();
        }

        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop.Value, true);
        foreach (Thread w in workers)
        {
            w.Join();
        }

        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long totalOps = 0;
        double cpu = 0;
        for (int t = 0; t < threads; t++)
        {
            totalOps += ops[t];
            cpu += cpuNs[t] / 1e9;
        }

        return new Round(totalOps / wall, totalOps / cpu, cpu / wall);
    }

    private static long GetsInScope(AddrSpace space, ulong address)
    {
        using UserAccess access = UserAccess.Begin(space);
        long ok = 0;
        for (int i = 0; i < Batch; i++)
        {
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            ok += r.IsOk ? 1 : 0;
        }

        return ok;
    }

    private static long GetsWithScopeEach(AddrSpace space, ulong address)
    {
        long ok = 0;
        for (int i = 0; i < Batch; i++)
        {
            using UserAccess access = UserAccess.Begin(space);
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            ok += r.IsOk ? 1 : 0;
        }

        return ok;
    }

    private readonly record struct Round(double WallRate, double CpuRate, double Utilisation);

    private sealed class StrongBox
    {
        public bool Value;
    }
}
