using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using UserMemory.Linux.Process;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// No guest process outlives the sandbox (tests/probes/sandbox_lifetime.c, under the runner only): when the first
/// runner ends, killed with SIGKILL or because its guest exited, every other guest process dies too, including one
/// that left the session with <c>setsid</c> (so a harness's process-group kill would miss it); and a fork bomb stops
/// at the sandbox's process limit (<c>--max-processes</c>, <see cref="SandboxTable.Capacity"/> by default) with
/// EAGAIN and dies with its first process.
/// </summary>
public sealed class SandboxLifetimeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    /// <summary>How long the other runners may take to notice the hang-up and die.</summary>
    private static readonly TimeSpan DeathLimit = TimeSpan.FromSeconds(20);

    /// <summary>The bomb's limit: small, so that the test costs seconds (each guest process is a runner process).</summary>
    private const int BombLimit = 24;

    [ProbeFact]
    public void Killing_the_first_runner_kills_every_guest_process()
    {
        using System.Diagnostics.Process runner = Start("tree");
        List<int> pids = ReadPids(runner, expected: 3);
        int first = pids[0];
        Assert.Equal(runner.Id, first); // the guest's pid is its runner's host pid
        foreach (int pid in pids[1..])
        {
            Assert.True(IsAlive(pid), $"guest process {pid} is not running before the kill");
        }

        runner.Kill(entireProcessTree: false); // SIGKILL to the first runner only
        runner.WaitForExit();
        AssertAllDie(pids[1..]);
    }

    [ProbeFact]
    public void A_detached_process_dies_when_the_first_process_exits()
    {
        using System.Diagnostics.Process runner = Start("detach");
        List<int> pids = ReadPids(runner, expected: 1);
        Assert.True(runner.WaitForExit(Limit), "the first process did not exit");
        Assert.Equal(0, runner.ExitCode);
        AssertAllDie(pids);
    }

    [ProbeFact]
    public void A_fork_bomb_stops_at_the_sandbox_capacity_and_dies_with_its_first_process()
    {
        using System.Diagnostics.Process runner = Start("bomb", "--max-processes", BombLimit.ToString(CultureInfo.InvariantCulture));
        string? line = runner.StandardOutput.ReadLine();
        Assert.True(runner.WaitForExit(Limit), "the bomb did not stop");
        Assert.Equal(0, runner.ExitCode);
        Assert.Equal($"forked {BombLimit - 1}, then EAGAIN", line);
        string comm = CommandName(Probes.Get("sandbox_lifetime"));
        Assert.True(SpinWait.SpinUntil(() => CountLiveProcesses(comm) == 0, DeathLimit), $"{CountLiveProcesses(comm)} bomb processes outlived the first one");
    }

    private static System.Diagnostics.Process Start(string mode, params string[] runnerOptions)
    {
        var info = new ProcessStartInfo(Repository.Runner)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])[.. Repository.RunnerCpuArguments, .. runnerOptions])
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add(Probes.Get("sandbox_lifetime"));
        info.ArgumentList.Add(mode);
        return System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start the runner");
    }

    /// <summary>Reads "pid N" lines up to "ready".</summary>
    private static List<int> ReadPids(System.Diagnostics.Process runner, int expected)
    {
        var pids = new List<int>();
        var reader = new Thread(() =>
        {
            while (runner.StandardOutput.ReadLine() is string line && line != "ready")
            {
                pids.Add(int.Parse(line.AsSpan("pid ".Length), CultureInfo.InvariantCulture));
            }
        });
        reader.Start();
        if (!reader.Join(Limit))
        {
            runner.Kill(entireProcessTree: true);
            Assert.Fail("the probe never said it was ready");
        }

        Assert.Equal(expected, pids.Count);
        return pids;
    }

    private static void AssertAllDie(IReadOnlyList<int> pids)
    {
        foreach (int pid in pids)
        {
            Assert.True(SpinWait.SpinUntil(() => !IsAlive(pid), DeathLimit), $"guest process {pid} outlived the first runner");
        }
    }

    /// <summary>True when <paramref name="pid"/> exists and is not a zombie (a killed orphan waits for the host's
    /// init to reap it).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The name <c>/proc/PID/stat</c> shows for a program: its file name, cut to 15 bytes.</summary>
    private static string CommandName(string program)
    {
        const int TaskCommLength = 15;
        string name = Path.GetFileName(program);
        return name.Length > TaskCommLength ? name[..TaskCommLength] : name;
    }

    private static int CountLiveProcesses(string comm)
    {
        int count = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('(', StringComparison.Ordinal);
                int close = stat.LastIndexOf(')');
                if (open > 0 && close > open && stat[(open + 1)..close] == comm && IsAlive(pid))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
        }

        return count;
    }
}
