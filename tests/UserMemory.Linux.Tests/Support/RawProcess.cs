using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Runs a program (through tests/probes/clean_exec.c) with a hard time limit and keeps its standard output as raw bytes, so that non-UTF-8
/// output and hangs can be asserted on (the process tree is killed when the limit passes).</summary>
internal static class RawProcess
{
    /// <summary>Runs <paramref name="program"/> natively.</summary>
    /// <param name="program">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="limit">How long it may run before it and its children are killed.</param>
    /// <param name="stdin">Bytes for standard input (closed after), or null for an empty input.</param>
    /// <param name="workingDirectory">The working directory, or null for the current one.</param>
    /// <param name="environment">Variables to set (a null value removes the variable), or null.</param>
    /// <returns>The result; <see cref="RawResult.TimedOut"/> when it had to be killed.</returns>
    public static RawResult Run(
        string program,
        IEnumerable<string> arguments,
        TimeSpan limit,
        byte[]? stdin = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        // Through tests/probes/clean_exec.c: only descriptors 0-2 open, default signal actions, an empty mask, so a
        // native run and a run under the runner start from the same state whatever the test host leaks.
        var info = new ProcessStartInfo(Probes.Get("clean_exec"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add(program);
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["LC_ALL"] = "C";
        if (environment is not null)
        {
            foreach ((string name, string? value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(name);
                }
                else
                {
                    info.Environment[name] = value;
                }
            }
        }

        using var p = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("could not start " + program);
        var captured = new MemoryStream();
        Task stdout = p.StandardOutput.BaseStream.CopyToAsync(captured);
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                p.StandardInput.BaseStream.Write(stdin);
            }

            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // the program exited without reading its input
        }

        bool finished = p.WaitForExit(limit);
        if (!finished)
        {
            p.Kill(entireProcessTree: true);
        }

        p.WaitForExit();

        // A child that outlived the program may still hold the pipes open: do not wait for it forever.
        Task.WaitAll([stdout, stderr], limit);
        string err = stderr.IsCompletedSuccessfully ? stderr.Result : "(stderr still open)";
        byte[] output;
        lock (captured)
        {
            output = captured.ToArray();
        }

        return new RawResult(output, err, finished ? p.ExitCode : null);
    }

    /// <summary>Runs a program under the runner (see <see cref="Repository.Runner"/>).</summary>
    /// <param name="arguments">The runner's arguments: options, the program and its arguments.</param>
    /// <param name="limit">The hard time limit.</param>
    /// <param name="stdin">Standard input.</param>
    /// <param name="workingDirectory">The working directory.</param>
    /// <param name="environment">Variables to set or remove.</param>
    /// <returns>The result.</returns>
    public static RawResult RunUnderRunner(
        IEnumerable<string> arguments,
        TimeSpan limit,
        byte[]? stdin = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        Run(Repository.Runner, [.. Repository.RunnerCpuArguments, .. arguments], limit, stdin, workingDirectory, environment);
}
