using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Unicorn;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// One guest Linux process running in this host process: its address space, CPU, descriptors, heap break and signal
/// dispositions. Guest pid == host pid; fork spawns another runner process, execve replaces this one.
/// </summary>
public sealed partial class GuestProcess : IDisposable, ICpuEventHandler
{
    private const int MaxSignal = 64;
    private readonly SyscallTracer? _tracer;
    private readonly SyscallStats? _stats;
    private ulong _lastFaultRip = ulong.MaxValue;
    private ulong _lastFaultAddress = ulong.MaxValue;

    private GuestProcess(AddrSpace space, RunnerOptions options, FdTable fds, byte[] executablePath)
    {
        Space = space;
        Options = options;
        Fds = fds;
        ExecutablePath = executablePath;
        Cpu = new UnicornCpu(space);
        Cpu.Handler = this;
        Pid = (int)HostLinux.Syscall(39);
        _tracer = options.Trace ? new SyscallTracer(this) : null;
        _stats = options.Stats ? new SyscallStats() : null;
    }

    /// <summary>The guest's memory.</summary>
    public AddrSpace Space { get; }

    /// <summary>The CPU running the guest.</summary>
    public ICpu Cpu { get; }

    /// <summary>How the runner was started (trace flag, runner path).</summary>
    public RunnerOptions Options { get; }

    /// <summary>The guest's descriptors.</summary>
    public FdTable Fds { get; }

    /// <summary>The absolute path of the running guest program (what <c>/proc/self/exe</c> names), without NUL.</summary>
    public byte[] ExecutablePath { get; private set; }

    /// <summary>The guest pid (the host pid).</summary>
    public int Pid { get; }

    /// <summary>The start of the heap (just past the loaded image).</summary>
    public ulong BrkStart { get; internal set; }

    /// <summary>The current program break.</summary>
    public ulong BrkEnd { get; internal set; }

    /// <summary>Guest signal handlers: 0 = default, 1 = ignore, else the handler's address (index = signal).</summary>
    internal ulong[] SignalHandlers { get; } = new ulong[MaxSignal + 1];

    /// <summary>The sa_flags, sa_restorer and sa_mask the guest registered (index = signal).</summary>
    internal (ulong Flags, ulong Restorer, ulong Mask)[] SignalExtras { get; } = new (ulong, ulong, ulong)[MaxSignal + 1];

    /// <summary>The guest's blocked-signal mask.</summary>
    internal ulong SignalMask { get; set; }

    /// <summary>Applies the signal state an execve keeps: ignored signals stay ignored, the mask stays.</summary>
    /// <param name="ignored">The ignored signals.</param>
    /// <param name="mask">The blocked mask.</param>
    public void InheritSignals(System.Collections.Generic.IEnumerable<int> ignored, ulong mask)
    {
        ArgumentNullException.ThrowIfNull(ignored);
        foreach (int s in ignored)
        {
            if (s >= 1 && s <= MaxSignal)
            {
                SignalHandlers[s] = 1;
            }
        }

        SignalMask = mask;
    }

    /// <summary>Runs the guest until it exits; never returns (the host process ends with the guest's status).</summary>
    /// <param name="entry">Where to start (RIP).</param>
    public void Run(ulong entry)
    {
        Cpu.Write(CpuRegister.Rip, entry);
        while (true)
        {
            CpuEvent e = Cpu.Run();
            ulong rip = Cpu.Read(CpuRegister.Rip);
            switch (e.Kind)
            {
                case CpuEventKind.Syscall:
                    ((ICpuEventHandler)this).OnSyscall(Cpu);
                    ResumeAfterStop(rip);
                    break;
                case CpuEventKind.Stopped:
                    ResumeAfterStop(rip); // stopped on purpose (a mapping change, a signal); resume where it stopped
                    break;
                case CpuEventKind.PageFault:
                    bool repeated = rip == _lastFaultRip && e.Address == _lastFaultAddress;
                    _lastFaultRip = rip;
                    _lastFaultAddress = e.Address;
                    if (repeated || !Space.HandlePageFault(new VirtAddr(e.Address), e.Access))
                    {
                        Terminate(Signals.SIGSEGV);
                    }

                    Cpu.MappingsChanged(e.Address, e.Address + 1);
                    break;
                case CpuEventKind.Exception:
                    Terminate(SignalForVector(e.Vector));
                    break;
                default:
                    Terminate(Signals.SIGSEGV); // hlt in user mode is a general protection fault
                    break;
            }
        }
    }

    private static int SignalForVector(int vector) => vector switch
    {
        X86Vector.DivideError => Signals.SIGFPE,
        X86Vector.Debug or X86Vector.Breakpoint => Signals.SIGTRAP,
        X86Vector.InvalidOpcode => Signals.SIGILL,
        _ => Signals.SIGSEGV,
    };

    private void ResumeAfterStop(ulong rip)
    {
        ulong next = ApplySignalActions(rip);
        if (next != rip)
        {
            Cpu.Write(CpuRegister.Rip, next);
        }
    }

    /// <summary>Ends the guest (and this host process) as if killed by <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal.</param>
    public void Terminate(int signal)
    {
        _tracer?.Killed(signal);
        _stats?.Print(Pid);
        HostLinux.DieBySignal(signal);
    }

    /// <summary>Ends the guest (and this host process) with an exit status.</summary>
    /// <param name="status">The status (low 8 bits count).</param>
    public void Exit(int status)
    {
        _stats?.Print(Pid);
        HostLinux.ExitNow(status & 0xff);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Cpu.Dispose();
        Space.Dispose();
    }

    /// <summary>Notes that the areas of <c>[start, end)</c> changed; the CPU re-mirrors them before the guest runs
    /// on.</summary>
    private void MemoryChanged(ulong start, ulong end) => Cpu.MappingsChanged(start, end);

    /// <inheritdoc/>
    void ICpuEventHandler.OnSyscall(ICpu cpu)
    {
        if (_stats is not null)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            long number = HandleSyscall();
            _stats.Record(number, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            return;
        }

        HandleSyscall();
    }

    private long HandleSyscall()
    {
        // The number and the six arguments in one call into the CPU backend.
        Span<ulong> values = stackalloc ulong[ICpu.SyscallRegisterCount];
        Cpu.ReadSyscallRegisters(values);
        long nr = (long)values[0];
        Span<ulong> a = values[1..];
        _tracer?.Begin(nr, a);
        long result = Dispatch(nr, a);
        _tracer?.End(nr, a, result);
        Cpu.Write(CpuRegister.Rax, (ulong)result);
        return nr;
    }
}
