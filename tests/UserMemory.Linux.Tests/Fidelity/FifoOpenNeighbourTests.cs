using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11): when a signal interrupts a guest's blocking <c>open</c> of a FIFO, nothing happens to the FIFO,
/// so another process blocked opening the same end stays blocked, as on Linux. Before, the runner ended its own wait
/// by opening the other end for an instant, which released that other process too (it then saw end-of-file or
/// EPIPE). The other process is the probe run natively in its "hold" role (tests/probes/fifo_open.c); the interrupted
/// open is the probe's "interrupt" role, run natively and under the runner with the same output.
/// </summary>
public sealed class FifoOpenNeighbourTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    [ProbeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_interrupted_fifo_open_leaves_another_opener_of_the_same_end_blocked(bool writer)
    {
        string probe = Probes.Get("fifo_open");
        RawResult native = InterruptBesideHolder(writer, path => RawProcess.Run(probe, [], Limit, environment: Roles(path, writer, interrupt: true)));
        RawResult emulated = InterruptBesideHolder(writer, path => RawProcess.RunUnderRunner([probe], Limit, environment: Roles(path, writer, interrupt: true)));
        Differential.AssertSame(native, emulated);
        Assert.Contains("errno=4", native.StdoutText, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Roles(string path, bool writer, bool interrupt) => new()
    {
        ["FIFO_OPEN_PATH"] = path,
        ["FIFO_OPEN_WRITE"] = writer ? "1" : null,
        ["FIFO_OPEN_INTERRUPT"] = interrupt ? "1" : null,
    };

    /// <summary>Starts a native holder blocked in an open of a new FIFO (a reader, or a writer), runs
    /// <paramref name="interrupt"/> on the same FIFO, asserts the holder is still blocked in its <c>openat</c>, then
    /// releases it by opening the other end and checks it opened.</summary>
    private static RawResult InterruptBesideHolder(bool writer, Func<string, RawResult> interrupt)
    {
        DirectoryInfo dir = Directory.CreateTempSubdirectory("usermem-fifo-neighbour-");
        System.Diagnostics.Process? holder = null;
        try
        {
            string fifo = Path.Combine(dir.FullName, "fifo");
            ProcessResult made = HostProcess.Run("/usr/bin/mkfifo", [fifo]);
            Assert.True(made.ExitCode == 0, made.ToString());
            var info = new ProcessStartInfo(Probes.Get("fifo_open"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach ((string name, string? value) in Roles(fifo, writer, interrupt: false))
            {
                if (value is not null)
                {
                    info.Environment[name] = value;
                }
            }

            holder = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start the holder");
            Assert.Equal("opening", holder.StandardOutput.ReadLine());
            WaitUntilBlockedInOpen(holder);

            RawResult result = interrupt(fifo);
            Assert.False(result.TimedOut, result.ToString());
            Assert.True(IsBlockedInOpen(holder), "the other process's open of the FIFO returned when the interrupted open ended");

            // Release the holder with a real peer; it opens and ends.
            using (File.OpenHandle(fifo, FileMode.Open, writer ? FileAccess.Read : FileAccess.Write))
            {
                Assert.True(holder.WaitForExit(Limit), "the holder did not open once a real peer came");
            }

            Assert.Equal("opened 1\n", holder.StandardOutput.ReadToEnd());
            Assert.Equal(0, holder.ExitCode);
            return result;
        }
        finally
        {
            if (holder is not null)
            {
                if (!holder.HasExited)
                {
                    holder.Kill();
                    holder.WaitForExit();
                }

                holder.Dispose();
            }

            dir.Delete(recursive: true);
        }
    }

    private static void WaitUntilBlockedInOpen(System.Diagnostics.Process holder)
    {
        var clock = Stopwatch.StartNew();
        while (!IsBlockedInOpen(holder))
        {
            Assert.True(clock.Elapsed < Limit && !holder.HasExited, "the holder never blocked in its open of the FIFO");
            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>Whether <paramref name="p"/> sleeps in <c>openat</c> (<c>/proc/PID/syscall</c> names the call a blocked
    /// task is in, and says "running" for one that runs or is about to).</summary>
    private static bool IsBlockedInOpen(System.Diagnostics.Process p)
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + p.Id.ToString(CultureInfo.InvariantCulture) + "/syscall");
        }
        catch (IOException)
        {
            return false;
        }

        string first = text.Split(' ', 2)[0];
        return !p.HasExited && first == ((int)SyscallNumber.Openat).ToString(CultureInfo.InvariantCulture);
    }
}
