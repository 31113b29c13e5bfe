namespace UserMemory.Linux.Process;

/// <summary>How this runner process was started: what it needs to start the next one (fork and execve).</summary>
public sealed class RunnerOptions
{
    /// <summary>The default <see cref="MemoryLimit"/>: 4 GiB. Large enough for every workload the runner is tested
    /// with, small enough that one runaway guest cannot exhaust a typical host (Linux has no per-process default;
    /// it would OOM-kill).</summary>
    public const ulong DefaultMemoryLimit = 4UL << 30;

    /// <summary>Bytes of private memory the guest may populate (<c>--memory SIZE</c>): every page it touches, by a
    /// syscall or by the CPU, counts. A page fault past the limit ends the guest with SIGSEGV (where Linux's OOM
    /// killer would send SIGKILL); an mmap, brk or syscall needing more answers ENOMEM.</summary>
    public ulong MemoryLimit { get; init; } = DefaultMemoryLimit;

    /// <summary>Print one strace-style line per syscall on standard error.</summary>
    public bool Trace { get; init; }

    /// <summary>Print syscall count and time spent in the syscall layer on standard error at exit (<c>--stats</c>).</summary>
    public bool Stats { get; init; }

    /// <summary>The host path of the runner executable (re-executed for fork and execve).</summary>
    public required string RunnerPath { get; init; }

    /// <summary>Prefix trace lines with <c>[pid N]</c> (every process but the first).</summary>
    public bool TracePidPrefix { get; init; }

    /// <summary>Extra leading arguments for the runner executable (e.g. the .dll path when run through
    /// <c>dotnet</c>); empty for an apphost or a native executable.</summary>
    public string[] RunnerPrefixArguments { get; init; } = [];
}
