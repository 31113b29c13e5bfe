using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserMemory;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using UserMemory.Linux.Signals;
using UserMemory.Linux.Tracing;
using UserMemory.Runner;

// usermem-run: one guest process per runner process (guest pid == host pid).
HostSignalForwarding.PrepareProcess(); // first: signals for the guest are blocked in every runner thread
ResourceLimits.RaiseHostFileLimit(); // guest descriptors are the runner's; the guest's own limit is kept apart
const int UsageExit = CommandLine.UsageExitCode;
const int HandoffRejectedExit = 65; // EX_DATAERR: the hand-off state is not one a runner wrote
const int NotFoundExit = 127;
const int CannotExecuteExit = 126;

// Never Console: it duplicates descriptors 0-2, which belong to the guest in a runner that continues one.
CommandLine? cmd = CommandLine.Parse(args, new HostDescriptorWriter(StandardOutput), new HostDescriptorWriter(StandardError), out int parseExit);
if (cmd is null)
{
    return parseExit;
}

string runnerPath = Environment.ProcessPath ?? "/proc/self/exe";
string[] prefix = [];
if (Path.GetFileNameWithoutExtension(runnerPath) == "dotnet")
{
    prefix = [Path.Combine(AppContext.BaseDirectory, "usermem-run.dll")];
}

HostLinux.Syscall((long)UserMemory.Linux.Abi.SyscallNumber.Prctl, PrSetDumpable, 0);
// The runtime's copies of descriptors 0-2 must not keep guest files open (see RuntimeStreamCopies). A next runner's
// copy of 2 goes to the trace output; the first runner's stays on its own standard error.
RuntimeStreamCopies.Detach(cmd.Handoff ? RunnerDescriptors.Trace : -1);
if (cmd.Handoff)
{
    // Started by another runner: everything comes from the state on the hand-off descriptor. A state that is not one a
    // runner wrote is expected input here, not a bug: one line and a non-zero status.
    long received;
    ThreadGroup? next;
    ulong start;
    byte[] named;
    try
    {
        received = ProcessHandoff.Receive(new RunnerOptions { RunnerPath = runnerPath, RunnerPrefixArguments = prefix }, out next, out start, out named);
    }
    catch (HandoffRejectedException e)
    {
        Say("usermem-run: rejected hand-off: " + e.Message);
        return HandoffRejectedExit;
    }

    if (received < 0)
    {
        return LoadFailed(named, received);
    }

    next!.Run(start);
    return 0;
}

if (cmd.Root is string rootDir && !Directory.Exists(rootDir))
{
    Say("usermem-run: --root " + rootDir + ": not a directory");
    return UsageExit;
}

// The backend is resolved once, here; the next runners (fork, execve) get the resolved choice in the hand-off state.
CpuBackend cpu = CpuBackendSelector.Resolve(cmd.Cpu, out string? cpuMessage);
if (cpuMessage is not null)
{
    Say("usermem-run: " + cpuMessage);
}

// The first runner: the program, its arguments and environment as the raw bytes the kernel gave this process.
byte[][] raw = RawCommandLine.Read(args);
if (RunnerDescriptors.Reserve(RunnerDescriptors.Handoff) < 0)
{
    Say("usermem-run: cannot reserve the hand-off descriptor");
    return UsageExit;
}

// Both runner descriptor numbers are occupied before the guest table exists (the trace output, or a placeholder).
long opened = cmd.Trace || cmd.Stats
    ? TraceOutput.Open(cmd.StraceFileBytes(raw))
    : RunnerDescriptors.Reserve(RunnerDescriptors.Trace);
if (opened < 0)
{
    string what = cmd.StraceFileBytes(raw) is byte[] path ? Encoding.UTF8.GetString(path) : "trace output";
    Say("usermem-run: " + what + ": " + ((LinuxError)(int)-opened).Message());
    return UsageExit;
}

// The guest's pid namespace: this runner and every process it forks; nothing else is reachable by pid.
long sandbox = SandboxTable.Create(cmd.MaxProcesses ?? SandboxTable.Capacity);
if (sandbox < 0)
{
    Say("usermem-run: cannot create the sandbox table: " + ((LinuxError)(int)-sandbox).Message());
    return UsageExit;
}

// ...and its lifetime: every other guest process dies with this runner (SandboxLifeline).
long lifeline = SandboxLifeline.Create();
if (lifeline < 0)
{
    Say("usermem-run: cannot create the sandbox lifeline: " + ((LinuxError)(int)-lifeline).Message());
    return UsageExit;
}

var options = new RunnerOptions
{
    Cpu = cpu,
    Trace = cmd.Trace,
    Stats = cmd.Stats,
    Root = cmd.Root,
    ReadOnly = cmd.ReadOnly,
    MemoryLimit = cmd.MemoryLimit ?? RunnerOptions.DefaultMemoryLimit,
    RunnerPath = runnerPath,
    RunnerPrefixArguments = prefix,
};

byte[][] environment = HostLinux.ReadEnvironment();
byte[] program = raw[cmd.ProgramIndex];
if (Array.IndexOf(program, (byte)'/') < 0)
{
    byte[]? found = ProgramPath.Search(program, environment);
    if (found is null)
    {
        Say("usermem-run: " + Encoding.UTF8.GetString(program) + ": command not found");
        return NotFoundExit;
    }

    program = found;
}

var argv = new List<byte[]>(raw[cmd.ProgramIndex..]);
long r = ThreadGroup.Start(options, program, argv, environment, UserMemory.Linux.Fs.FdTable.WithStandardStreams(), out ThreadGroup? process, out ulong entry);
if (r < 0)
{
    return LoadFailed(program, r);
}

process!.Run(entry);
return 0;

static int LoadFailed(byte[] program, long result)
{
    var e = (LinuxError)(int)-result;
    Say("usermem-run: " + Encoding.UTF8.GetString(program) + ": " + e.Message());
    return e == LinuxError.ENOENT ? NotFoundExit : CannotExecuteExit;
}

static void Say(string text) => HostLinux.WriteAll(StandardError, Encoding.UTF8.GetBytes(text + "\n"));

/// <summary>Constants of the runner's entry point.</summary>
internal static partial class Program
{
    /// <summary><c>PR_SET_DUMPABLE</c>: with 0, no other process of the same user may ptrace this runner or open its
    /// <c>/proc/PID/mem</c> and <c>/proc/PID/fd</c> (a guest of another runner included).</summary>
    private const long PrSetDumpable = 4;

    /// <summary>The host's standard output descriptor.</summary>
    private const int StandardOutput = 1;

    /// <summary>The host's standard error descriptor.</summary>
    private const int StandardError = 2;
}
