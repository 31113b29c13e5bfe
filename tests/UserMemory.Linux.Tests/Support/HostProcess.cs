using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Runs a program natively or under the runner and collects its output.</summary>
internal static class HostProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>.</summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">The arguments.</param>
    /// <param name="stdin">Bytes for standard input (closed after), or null for an empty input.</param>
    /// <param name="workingDirectory">The working directory, or null.</param>
    /// <param name="timeout">How long it may run (default two minutes).</param>
    /// <returns>The result.</returns>
    public static ProcessResult Run(string program, IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        // Started through env --default-signal so SIGPIPE has its default action, as from a terminal (the .NET test
        // host ignores it, and children would inherit that).
        var info = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("--default-signal=PIPE");
        info.ArgumentList.Add(program);
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["LC_ALL"] = "C";
        if (workingDirectory is not null)
        {
            info.Environment["PWD"] = workingDirectory; // as a shell that changed directory would pass it (Go's os/exec tests check)
        }

        using var p = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start " + program);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                p.StandardInput.Write(stdin);
            }

            p.StandardInput.Close();
        }
        catch (System.IO.IOException)
        {
            // the program exited without reading its input
        }

        TimeSpan limit = timeout ?? Timeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(program + " did not finish within " + limit);
        }

        p.WaitForExit();
        return new ProcessResult(stdout.Result, stderr.Result, p.ExitCode);
    }

    /// <summary>Runs a program under the runner.</summary>
    /// <param name="arguments">The runner's arguments (program and its arguments).</param>
    /// <param name="stdin">Standard input.</param>
    /// <param name="workingDirectory">The working directory.</param>
    /// <param name="timeout">How long it may run (default two minutes).</param>
    /// <returns>The result.</returns>
    public static ProcessResult RunUnderRunner(IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null) =>
        Run(Repository.Runner, [.. Repository.RunnerCpuArguments, .. arguments], stdin, workingDirectory, timeout);
}
