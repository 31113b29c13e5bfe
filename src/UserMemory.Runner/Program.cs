using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using UserMemory;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using UserMemory.Linux.Signals;
using UserMemory.Runner;

// usermem-run: one guest process per runner process (guest pid == host pid).
HostSignalForwarding.PrepareProcess(); // first: signals for the guest are blocked in every runner thread
CommandLine? cmd = CommandLine.Parse(args, out string? error);
if (cmd is null)
{
    Say("usage: usermem-run [--strace] [--stats] [--] program [args...]" + (string.IsNullOrEmpty(error) ? string.Empty : "\nusermem-run: " + error));
    return 2;
}

string runnerPath = Environment.ProcessPath ?? "/proc/self/exe";
string[] prefix = [];
if (Path.GetFileNameWithoutExtension(runnerPath) == "dotnet")
{
    prefix = [Path.Combine(AppContext.BaseDirectory, "usermem-run.dll")];
}

var options = new RunnerOptions
{
    Trace = cmd.Trace,
    Stats = cmd.Stats,
    TracePidPrefix = cmd.TracePidPrefix || cmd.ResumeFd >= 0,
    RunnerPath = runnerPath,
    RunnerPrefixArguments = cmd.ResumeFd >= 0 || cmd.TracePidPrefix ? [.. prefix, "--trace-child"] : prefix,
};

if (cmd.ResumeFd >= 0)
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
