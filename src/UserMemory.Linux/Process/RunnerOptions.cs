using UserMemory.Linux.Cpu;

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

    /// <summary>The CPU backend, already resolved by <see cref="CpuBackendSelector.Resolve"/> (never
    /// <see cref="CpuBackend.Auto"/> once the kernel runs; Auto is treated as Unicorn).</summary>
    public CpuBackend Cpu { get; init; } = CpuBackend.Unicorn;

    /// <summary>Extra leading arguments for the runner executable (e.g. the .dll path when run through
    /// <c>dotnet</c>); empty for an apphost or a native executable.</summary>
    public string[] RunnerPrefixArguments { get; init; } = [];

    /// <summary>The host directory every guest path resolves inside (<c>--root DIR</c>), or null for the host file
    /// system as it is.</summary>
    public string? Root { get; init; }

    /// <summary>Refuse every change to the file system with EROFS (<c>--read-only</c>).</summary>
    public bool ReadOnly { get; init; }
}
