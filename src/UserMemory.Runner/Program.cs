using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using UserMemory;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using UserMemory.Runner;

// usermem-run: one guest process per runner process (guest pid == host pid).
CommandLine? cmd = CommandLine.Parse(args, Console.Out, Console.Error, out int parseExit);
if (cmd is null)
{
    return parseExit;
}

if (cmd.Root is string rootDir && !Directory.Exists(rootDir))
{
    Say("usermem-run: --root " + rootDir + ": not a directory");
    return CommandLine.UsageExitCode;
}

string runnerPath = Environment.ProcessPath ?? "/proc/self/exe";
string[] prefix = [];
if (Path.GetFileNameWithoutExtension(runnerPath) == "dotnet")
{
    prefix = [Path.Combine(AppContext.BaseDirectory, "usermem-run.dll")];
}

// The backend is resolved once, here; forked and executed runners inherit the resolved choice.
CpuBackend cpu = CpuBackendSelector.Resolve(cmd.Cpu, out string? cpuMessage);
if (cpuMessage is not null && cmd.ResumeFd == CommandLine.NoResumeFd && !cmd.TracePidPrefix)
{
    Console.Error.WriteLine("usermem-run: " + cpuMessage);
}

prefix = [.. prefix, "--cpu", CpuBackendSelector.ToOptionValue(cpu)];
var options = new RunnerOptions
{
    Cpu = cpu,
    Trace = cmd.Trace,
    Stats = cmd.Stats,
    Root = cmd.Root,
    ReadOnly = cmd.ReadOnly,
    MemoryLimit = cmd.MemoryLimit ?? RunnerOptions.DefaultMemoryLimit,
    TracePidPrefix = cmd.TracePidPrefix || cmd.ResumeFd != CommandLine.NoResumeFd,
    RunnerPath = runnerPath,
    RunnerPrefixArguments = cmd.ResumeFd != CommandLine.NoResumeFd || cmd.TracePidPrefix ? [.. prefix, "--trace-child"] : prefix,
};

if (cmd.ResumeFd != CommandLine.NoResumeFd)
{
    (ThreadGroup child, ulong rip) = ForkState.Resume(cmd.ResumeFd, options);
    child.Run(rip);
    return 0;
}

FdTable fds = FdTable.WithStandardStreams();
var ignored = new List<int>();
ulong mask = 0;
if (cmd.ExecState is string state)
{
    string[] parts = state.Split(';');
    fds = FdTable.Parse(parts[0]);
    if (parts.Length > 1 && parts[1] != "-")
    {
        foreach (string s in parts[1].Split(','))
        {
            ignored.Add(int.Parse(s, CultureInfo.InvariantCulture));
        }
    }

    if (parts.Length > 2)
    {
        mask = ulong.Parse(parts[2], CultureInfo.InvariantCulture);
    }
}

string program = cmd.Program!;
if (!program.Contains('/', StringComparison.Ordinal))
{
    string? found = null;
    foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
    {
        string candidate = Path.Combine(dir.Length == 0 ? "." : dir, program);
        if (File.Exists(candidate))
        {
            found = candidate;
            break;
        }
    }

    if (found is null)
    {
        Say("usermem-run: " + program + ": command not found");
        return 127;
    }

    program = found;
}

var argv = new List<byte[]>();
if (!cmd.NoArgv)
{
    argv.Add(Encoding.UTF8.GetBytes(cmd.Argv0 ?? cmd.Program!));
}

foreach (string a in cmd.Arguments)
{
    argv.Add(Encoding.UTF8.GetBytes(a));
}

long r = ThreadGroup.Start(options, Encoding.UTF8.GetBytes(program), argv, HostLinux.ReadEnvironment(), fds, out ThreadGroup? process, out ulong entry);
if (r < 0)
{
    var e = (LinuxError)(int)-r;
    Say("usermem-run: " + program + ": " + e.Message());
    return e == LinuxError.ENOENT ? 127 : 126;
}

process!.InheritSignals(ignored, mask);
process.Run(entry);
return 0;

static void Say(string text) => HostLinux.WriteAll(2, Encoding.UTF8.GetBytes(text + "\n"));
