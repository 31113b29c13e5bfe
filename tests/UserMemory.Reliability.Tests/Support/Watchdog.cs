using System;
using System.Collections.Generic;
using System.Threading;

namespace UserMemory.Reliability.Tests.Support;

/// <summary>Runs thread bodies on background threads and fails (instead of hanging) when any does not finish in
/// time; exceptions escaping a body are collected.</summary>
public static class Watchdog
{
    /// <summary>Starts one thread per body, waits for all at most <paramref name="limit"/>.</summary>
    /// <returns>Descriptions of threads that threw or did not finish.</returns>
    public static List<string> RunAll(TimeSpan limit, params Action[] bodies)
    {
        var problems = new List<string>();
        var threads = new Thread[bodies.Length];
        for (int i = 0; i < bodies.Length; i++)
        {
            Action body = bodies[i];
            int index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    body();
                }
                catch (Exception e)
                {
                    lock (problems)
                    {
                        problems.Add($"thread {index} threw {e}");
                    }
                }
            })
            { IsBackground = true, Name = $"reliability-{i}" };
            threads[i].Start();
        }

        DateTime deadline = DateTime.UtcNow + limit;
        for (int i = 0; i < threads.Length; i++)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (!threads[i].Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                lock (problems)
                {
                    problems.Add($"thread {i} did not finish within {limit} (deadlock or hang)");
                }
            }
        }

        lock (problems)
        {
            return [.. problems];
        }
    }
}
