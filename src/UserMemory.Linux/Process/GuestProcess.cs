using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// One guest Linux process running in this host process: its address space, CPU, descriptors, heap break and signal
/// dispositions. Guest pid == host pid; fork spawns another runner process, execve replaces this one.
/// </summary>
public sealed partial class GuestProcess : IDisposable
{
    private const int MaxSignal = 64;
    private readonly SyscallTracer? _tracer;
    private readonly SyscallStats? _stats;
    private ulong _lastFaultRip = ulong.MaxValue;
    private ulong _lastFaultAddress = ulong.MaxValue;
    private int _pendingInterrupt = -1;
    private ulong _changedStart = ulong.MaxValue;
    private ulong _changedEnd;

    private GuestProcess(AddrSpace space, RunnerOptions options, FdTable fds, byte[] executablePath)
    {
        Space = space;
        Options = options;
        Fds = fds;
        ExecutablePath = executablePath;
        Cpu = new Unicorn();
        Cpu.SyscallHandler = OnSyscall;
        Cpu.InterruptHandler = OnInterrupt;
        Mirror = new UnicornMemoryMirror(space, Cpu);
        Pid = (int)HostLinux.Syscall(39);
        _tracer = options.Trace ? new SyscallTracer(this) : null;
        _stats = options.Stats ? new SyscallStats() : null;
    }

    /// <summary>The guest's memory.</summary>
    public AddrSpace Space { get; }

    /// <summary>The emulated CPU.</summary>
    public Unicorn Cpu { get; }

    /// <summary>Keeps Unicorn's regions equal to the areas.</summary>
    public UnicornMemoryMirror Mirror { get; }

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
        ulong rip = entry;
        while (true)
        {
            int err = Cpu.Run(rip);
            if (Cpu.PendingException is { } e)
            {
                throw new InvalidOperationException("The syscall layer failed.", e);
            }

            rip = Cpu.Read(X86Register.Rip);
            if (_pendingInterrupt >= 0)
            {
                int vector = _pendingInterrupt;
                _pendingInterrupt = -1;
                Terminate(vector switch { 0 => Signals.SIGFPE, 3 => Signals.SIGTRAP, 6 => Signals.SIGILL, 1 => Signals.SIGTRAP, _ => Signals.SIGSEGV });
            }

            if (err == 0)
            {
                ApplyMemoryChanges();
                rip = ApplySignalActions(rip);
                continue; // stopped on purpose (a mapping change); resume where it stopped
            }

            if (err is 6 or 7 or 8 or 12 or 13 or 14)
            {
                ulong address = Cpu.LastFaultAddress;
                MappingFlags access = err switch
                {
                    7 or 12 => MappingFlags.Write,
                    8 or 14 => MappingFlags.Execute,
                    _ => MappingFlags.Read,
                } | MappingFlags.User;
                bool repeated = rip == _lastFaultRip && address == _lastFaultAddress;
                _lastFaultRip = rip;
                _lastFaultAddress = address;
                if (!repeated && Space.HandlePageFault(new VirtAddr(address), access))
                {
                    Mirror.Resync(address, address + 1);
                    continue;
                }

                Terminate(Signals.SIGSEGV);
            }

            Terminate(err == 10 ? Signals.SIGILL : Signals.SIGSEGV);
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

    /// <summary>Notes that the areas of <c>[start, end)</c> changed. Unicorn's regions must not change under a
    /// running translation block, so the hook only records the range and stops the run; <see cref="Run"/> re-syncs
    /// between runs and resumes after the syscall.</summary>
    private void MemoryChanged(ulong start, ulong end)
    {
        _changedStart = Math.Min(_changedStart, start);
        _changedEnd = Math.Max(_changedEnd, end);
        Cpu.Stop();
    }

    private void ApplyMemoryChanges()
    {
        if (_changedStart < _changedEnd)
        {
            // uc_mem_unmap invalidates the translations of the range; a full flush (uc_ctl TB_FLUSH) would clear
            // Unicorn's whole 1 GiB code buffer, which costs seconds.
            Mirror.Resync(_changedStart, _changedEnd);
        }

        _changedStart = ulong.MaxValue;
        _changedEnd = 0;
    }

    private void OnInterrupt(int vector)
    {
        _pendingInterrupt = vector;
        Cpu.Stop();
    }

    private void OnSyscall()
    {
        if (_stats is not null)
        {
            long number = (long)Cpu.Read(X86Register.Rax);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            HandleSyscall();
            _stats.Record(number, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            return;
        }

        HandleSyscall();
    }

    private static ReadOnlySpan<int> SyscallRegisters =>
    [
        (int)X86Register.Rax, (int)X86Register.Rdi, (int)X86Register.Rsi, (int)X86Register.Rdx,
        (int)X86Register.R10, (int)X86Register.R8, (int)X86Register.R9,
    ];

    private void HandleSyscall()
    {
        // The number and the six arguments in one call into Unicorn.
        Span<ulong> values = stackalloc ulong[7];
        Cpu.ReadBatch(SyscallRegisters, values);
        long nr = (long)values[0];
        Span<ulong> a = values[1..];
        _tracer?.Begin(nr, a);
        long result = Dispatch(nr, a);
        _tracer?.End(nr, a, result);
        Cpu.Write(X86Register.Rax, (ulong)result);
    }
}
