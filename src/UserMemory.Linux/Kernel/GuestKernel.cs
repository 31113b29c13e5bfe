using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Kvm;
using UserMemory.Linux.Cpu.Unicorn;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Process;
using UserMemory.Linux.Tracing;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// The kernel of this host process: its pid namespace (today exactly one thread group, whose pid is the host pid;
/// fork spawns another runner process; execve builds a new thread group here or re-executes the runner) and the services every task shares (options,
/// strace tracer, syscall statistics).
/// </summary>
public sealed class GuestKernel
{
    /// <summary>Creates the kernel of this host process.</summary>
    /// <param name="options">How the runner was started.</param>
    public GuestKernel(RunnerOptions options)
    {
        Options = options ?? throw new System.ArgumentNullException(nameof(options));
        HostPid = (int)HostLinux.Syscall((long)SyscallNumber.Getpid);
        Tracer = options.Trace ? new SyscallTracer(options.TracePidPrefix, HostPid) : null;
        Stats = options.Stats ? new SyscallStats() : null;
    }

    /// <summary>How the runner was started (trace flag, runner path).</summary>
    public RunnerOptions Options { get; }

    /// <summary>The host pid: the pid of this kernel's (only) thread group, and the tid of its first task.</summary>
    public int HostPid { get; }

    /// <summary>The strace-style tracer, or null.</summary>
    internal SyscallTracer? Tracer { get; }

    /// <summary>The syscall statistics (<c>--stats</c>), or null.</summary>
    internal SyscallStats? Stats { get; }

    /// <summary>Creates the CPU for a new task: the one place a CPU backend is chosen (<see cref="RunnerOptions.Cpu"/>,
    /// resolved at runner start by <see cref="CpuBackendSelector"/>, and again for a next runner by
    /// <see cref="CpuBackendSelector.ForNextRunner"/>: one started after the guest dropped root may no longer open
    /// <c>/dev/kvm</c>).</summary>
    /// <param name="space">The task's address space.</param>
    /// <returns>The CPU, with every register zero and nothing mapped.</returns>
    public ICpu CreateCpu(AddrSpace space) => Options.Cpu == CpuBackend.Kvm ? new KvmCpu(space) : new UnicornCpu(space);
}
