using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Signals;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// One guest thread: its CPU context, thread id, signal mask, pending signal and alternate stack,
/// <c>clear_child_tid</c>, robust list and wake-up descriptor. Every syscall handler receives the calling task; the
/// group's shared state is also reachable from here for convenience (<see cref="Space"/>, <see cref="Fds"/>). Each task
/// runs on its own host thread (<see cref="Run"/> on the runner's main thread for the first one; see
/// <c>Task.Threads.cs</c> for the others).
/// </summary>
public sealed partial class Task : ICpuEventHandler, IDisposable
{
    /// <summary>The length of the <c>syscall</c> instruction.</summary>
    private const ulong SyscallInstructionLength = 2;

    private ulong _lastFaultRip = ulong.MaxValue;
    private ulong _lastFaultAddress = ulong.MaxValue;

    /// <summary>Creates the task and its CPU.</summary>
    /// <param name="group">The thread group it belongs to.</param>
    /// <param name="tid">Its thread id.</param>
    /// <param name="cpu">Its CPU; the task becomes its event handler and owns it.</param>
    internal Task(ThreadGroup group, int tid, ICpu cpu)
    {
        Group = group;
        Tid = tid;
        Cpu = cpu;
        Cpu.Handler = this;
        group.Signals.SignalFds.Track(Signals.Private);
        WakeFd = (int)Interop.HostLinux.Syscall((long)SyscallNumber.Eventfd2, 0, (long)(OpenFlags.NonBlock | OpenFlags.CloseOnExec));
    }

    /// <summary>The thread group.</summary>
    public ThreadGroup Group { get; }

    /// <summary>The kernel.</summary>
    public GuestKernel Kernel => Group.Kernel;

    /// <summary>The thread id.</summary>
    public int Tid { get; }

    /// <summary>The CPU running this task.</summary>
    public ICpu Cpu { get; }

    /// <summary>The group's address space.</summary>
    public AddrSpace Space => Group.Space;

    /// <summary>The group's descriptors.</summary>
    public FdTable Fds => Group.Fds;

    /// <summary>The thread's command name (<c>comm</c>, at most 15 bytes): what <c>PR_SET_NAME</c> on this thread and a
    /// write to its <c>/proc/PID/task/TID/comm</c> set, and its <c>comm</c>, <c>status</c> Name: and <c>stat</c> show.
    /// Linux keeps one per thread; a new thread starts with its creator's. The leader's is the group's
    /// <see cref="ThreadGroup.CommandName"/> (what <c>/proc/PID/comm</c> shows, published to the host).</summary>
    internal byte[] CommandName
    {
        get => Tid == Group.Pid ? Group.CommandName : _commandName ?? Group.CommandName;
        set
        {
            if (Tid == Group.Pid)
            {
                Group.CommandName = value;
            }
            else
            {
                _commandName = value;
            }
        }
    }

    private byte[]? _commandName;

    /// <summary>The working directory and root this task resolves paths against: the group's, unless this thread
    /// left it with <c>unshare(CLONE_FS)</c> (<see cref="OwnFs"/>).</summary>
    internal FsContext Fs => OwnFs ?? Group.Fs;

    /// <summary>This thread's own filesystem context after <c>unshare(CLONE_FS)</c> (threads it creates share it, as
    /// Linux's <c>CLONE_FS</c> shares the creator's), or null while it uses the group's.</summary>
    internal FsContext? OwnFs { get; set; }

    /// <summary>The blocked-signal mask.</summary>
    public ulong SignalMask { get; set; }

    /// <summary>The <c>clear_child_tid</c> address (<c>set_tid_address</c>, <c>CLONE_CHILD_CLEARTID</c>), or 0: the
    /// thread's exit writes 0 there and wakes one futex waiter on it.</summary>
    public ulong ClearChildTid { get; set; }

    /// <summary>The alternate signal stack (<c>sigaltstack</c>); disabled unless set.</summary>
    public SignalStack AltStack { get; set; } = new() { Flags = 2 /* SS_DISABLE */ };

    /// <summary>Pending thread-directed signals and what the next stop must do for signals.</summary>
    internal TaskSignals Signals { get; } = new();

    /// <summary>Runs the task (the group's first thread, on the runner's main thread) until the group exits; never
    /// returns (the host process ends with the guest's status). When this thread exits alone while others run on,
    /// the host thread waits for the group's end.</summary>
    /// <param name="entry">Where to start (RIP).</param>
    public void Run(ulong entry)
    {
        Task task = this;
        task.Cpu.Write(CpuRegister.Rip, entry);
        HostSignalForwarding.Attach(task);
        task.RunUntilExit();
        while (task.Replacement is { } next)
        {
            // An execve replaced the process in this runner: the old one is torn down here, once its last syscall
            // has returned, and the new program runs on this same host thread.
            task = Process.InProcessExec.Complete(task, next);
            task.Cpu.Write(CpuRegister.Rip, next.Entry);
            task.RunUntilExit();
        }

        task.FinishThread();
        System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);
    }

    /// <summary>Set by an <c>execve</c> that replaced this task's process inside this runner
    /// (<see cref="Process.InProcessExec"/>): the run loop ends after the syscall and <see cref="Run"/> continues with
    /// the new process's main task. Null otherwise.</summary>
    internal Process.ExecReplacement? Replacement { get; set; }

    /// <summary>Runs guest code and handles its events until the thread exits (<see cref="ExitRequested"/>).</summary>
    private void RunUntilExit()
    {
        while (!ExitRequested && Replacement is null)
        {
            CpuEvent e = Cpu.Run();
            if (Replacement is not null)
            {
                return; // an execve inside a backend's syscall hook replaced the process: nothing more runs here
            }

            ulong rip = Cpu.Read(CpuRegister.Rip);
            if (e.Kind != CpuEventKind.PageFault)
            {
                _lastFaultRip = ulong.MaxValue; // progress: a later fault at the same place is a new one
            }

            switch (e.Kind)
            {
                case CpuEventKind.Syscall:
                    // Handlers see RIP at the syscall instruction, as inside a backend's hook (fork and clone copy it
                    // and add the instruction's length).
                    Cpu.Write(CpuRegister.Rip, rip - SyscallInstructionLength);
                    ((ICpuEventHandler)this).OnSyscall(Cpu);
                    Cpu.Write(CpuRegister.Rip, rip);
                    if (ExitRequested || Replacement is not null)
                    {
                        return;
                    }

                    ResumeAfterStop(rip);
                    break;
                case CpuEventKind.Stopped:
                    ResumeAfterStop(rip); // stopped on purpose (a mapping change, a signal); resume where it stopped
                    break;
                case CpuEventKind.PageFault when VsyscallPage.IsCall(e.Address, e.Access, rip):
                    Resume(rip, VsyscallPage.Emulate(this, rip));
                    break;
                case CpuEventKind.PageFault:
                    bool repeated = rip == _lastFaultRip && e.Address == _lastFaultAddress;
                    _lastFaultRip = rip;
                    _lastFaultAddress = e.Address;
                    if (repeated || !Space.HandlePageFault(new VirtAddr(e.Address), e.Access))
                    {
                        _lastFaultRip = ulong.MaxValue;
                        (int faultSignal, int faultCode) = SynchronousFault.ForPageFault(Space, e.Address, e.Access);
                        Resume(rip, SynchronousFault.Deliver(this, faultSignal, faultCode, e.Address, rip, X86Vector.PageFault, PageFaultErrorCode(e.Address, e.Access)));
                        break;
                    }

                    Cpu.MappingsChanged(e.Address, e.Address + 1);
                    break;
                case CpuEventKind.Exception when e.Vector == X86Vector.LegacySystemCall:
                    if (RunLegacySystemCall(rip))
                    {
                        return;
                    }

                    break;
                case CpuEventKind.Exception:
                    (int signal, int code, ulong address) = SynchronousFault.ForVector(e.Vector, rip);
                    Resume(rip, SynchronousFault.Deliver(this, signal, code, address, rip, e.Vector, e.ErrorCode));
                    break;
                default:
                    // hlt in user mode is a general protection fault
                    Resume(rip, SynchronousFault.Deliver(this, SignalNumber.SIGSEGV, SignalCode.Kernel, 0, rip, X86Vector.GeneralProtection));
                    break;
            }
        }
    }

    /// <inheritdoc/>
    void ICpuEventHandler.OnSyscall(ICpu cpu)
    {
        _lastFaultRip = ulong.MaxValue; // a syscall is progress: the same fault after it is a new one (munmap + mmap)
        Tracing.SyscallStats? stats = Kernel.Stats;
        if (stats is not null)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            long number = HandleSyscall();
            stats.Record(number, System.Diagnostics.Stopwatch.GetTimestamp() - started);
            Group.RefreshVdsoClock(this);
            return;
        }

        HandleSyscall();
        Group.RefreshVdsoClock(this);
    }

    /// <inheritdoc/>
    public void Dispose() => Cpu.Dispose();

    /// <summary>The x86 page-fault error code for a user access (present bit unknown: 0; write 2; user 4; fetch 16).
    /// As Linux's <c>sanitize_error_code</c>, an access at or above <c>TASK_SIZE_MAX</c> always has the protection bit
    /// (1), so the kernel's page-table layout does not show.</summary>
    private static ulong PageFaultErrorCode(ulong address, MappingFlags access)
    {
        const ulong ProtectionBit = 1, WriteBit = 2, UserBit = 4, FetchBit = 16, TaskSizeMax = 0x7fff_ffff_f000;
        return UserBit | ((access & MappingFlags.Write) != 0 ? WriteBit : 0) | ((access & MappingFlags.Execute) != 0 ? FetchBit : 0)
            | (address >= TaskSizeMax ? ProtectionBit : 0);
    }

    private void ResumeAfterStop(ulong rip)
    {
        if (Group.Loan is { Expired: true } loan)
        {
            loan.Release(this); // a forked child has computed long enough on its parent's lent memory
        }

        Resume(rip, SignalDelivery.AfterStop(this, rip));
    }

    private void Resume(ulong rip, ulong next)
    {
        if (next != rip)
        {
            Cpu.Write(CpuRegister.Rip, next);
        }
    }

    private long HandleSyscall()
    {
        // The number and the six arguments in one call into the CPU backend.
        Span<ulong> values = stackalloc ulong[ICpu.SyscallRegisterCount];
        Cpu.ReadSyscallRegisters(values);
        long nr = unchecked((int)values[0]); // Linux takes the number as an int: the upper 32 bits of RAX are ignored
        Span<ulong> a = values[1..];
        BeginSyscall(nr, a);
        long result = SyscallTable.Dispatch(this, nr, a);
        EndSyscall(nr, nr, a, result);
        return nr;
    }

    /// <summary>What every system call entry does before its handler runs: the trace line's start, and the end of a
    /// memory loan the call would break.</summary>
    /// <param name="nr">The x86-64 number the handler stands for.</param>
    /// <param name="a">The arguments.</param>
    internal void BeginSyscall(long nr, ReadOnlySpan<ulong> a)
    {
        Kernel.Tracer?.Begin(this, nr, a);
        Group.Loan?.BeforeSyscall(this, nr, a);
    }

    /// <summary>What every system call entry does after its handler: the trace line's end, the result in RAX, and
    /// the pending signals (which may restart the call with <paramref name="restartNr"/> back in RAX).</summary>
    /// <param name="nr">The x86-64 number the handler stands for (traced).</param>
    /// <param name="restartNr">The number the guest used, which a restart puts back in RAX.</param>
    /// <param name="a">The arguments.</param>
    /// <param name="result">The handler's result.</param>
    internal void EndSyscall(long nr, long restartNr, ReadOnlySpan<ulong> a, long result)
    {
        Kernel.Tracer?.End(this, nr, a, result);
        CompleteSyscall(restartNr, result);
    }

    /// <summary>The result in RAX, then the pending signals (after an execve in this runner, the new task takes
    /// them).</summary>
    /// <param name="restartNr">The number a restart puts back in RAX.</param>
    /// <param name="result">The call's result.</param>
    internal void CompleteSyscall(long restartNr, long result)
    {
        Cpu.Write(CpuRegister.Rax, (ulong)result);
        if (Replacement is null)
        {
            SignalDelivery.AfterSyscall(this, restartNr, result);
        }
    }
}
