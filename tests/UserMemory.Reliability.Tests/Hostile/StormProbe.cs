using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace UserMemory.Reliability.Tests.Hostile;

/// <summary>Builds and runs the syscall_storm probe (natively or under the runner) with a hard time limit.</summary>
public static class StormProbe
{
    /// <summary>The compiler.</summary>
    public const string Compiler = "/usr/bin/musl-gcc";

    private static readonly Lazy<string> Built = new(Build);

    /// <summary>usermem-run: $USERMEM_RUNNER, else the Release or Debug build in this tree; null when absent.</summary>
    public static string? RunnerPath
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("USERMEM_RUNNER");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return File.Exists(fromEnv) ? fromEnv : null;
            }

            string? root = FindRoot();
            if (root is null)
            {
                return null;
            }

            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            string path = Path.Combine(root, "src", "UserMemory.Runner", "bin", configuration, "net10.0", "usermem-run");
            return File.Exists(path) ? path : null;
        }
    }

    /// <summary>The built probe.</summary>
    public static string Executable => Built.Value;

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> in a fresh temporary directory,
    /// killing it after <paramref name="limit"/>.</summary>
    /// <returns>Exit code (null when it had to be killed), stdout and stderr.</returns>
    public static (int? ExitCode, string Stdout, string Stderr) Run(string program, TimeSpan limit, params string[] arguments)
    {
        string directory = Directory.CreateTempSubdirectory("usermem-storm-").FullName;
        try
        {
            var info = new ProcessStartInfo("/usr/bin/env")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            info.ArgumentList.Add("--default-signal=PIPE");
            info.ArgumentList.Add(program);
            foreach (string a in arguments)
            {
                info.ArgumentList.Add(a);
            }

            using Process p = Process.Start(info) ?? throw new InvalidOperationException("could not start " + program);
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            p.StandardInput.Close();
            if (!p.WaitForExit(limit))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return (null, stdout.Result, stderr.Result);
            }

            p.WaitForExit();
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Build()
    {
        string output = Path.Combine(Directory.CreateTempSubdirectory("usermem-storm-build-").FullName, "syscall_storm");
        string source = Path.Combine(AppContext.BaseDirectory, "Hostile", "syscall_storm.c");
        (int? code, string o, string e) = Run(Compiler, TimeSpan.FromMinutes(2), "-static", "-O1", "-o", output, source);
        if (code != 0)
        {
            throw new InvalidOperationException($"building syscall_storm failed ({code}):\n{o}\n{e}");
        }

        return output;
    }

    private static string? FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "UserMemory.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir;
    }
}
