using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Fs.Proc;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// One guest Linux process (thread group) running in this host process: its address space, descriptors, heap break,
/// signal dispositions, futexes, executable path, exit, and its threads (<see cref="Task"/>s: the first is
/// <see cref="MainTask"/>, more come from <c>clone(CLONE_THREAD)</c>). Guest pid == host pid; fork spawns another
/// runner process; execve replaces this group with a new one in the same runner (<see cref="Process.InProcessExec"/>) or,
/// from a multi-threaded process, re-executes the runner.
/// </summary>
public sealed partial class ThreadGroup : IDisposable
{
    /// <summary>Held by the syscalls that change the group's areas (mmap, munmap, mprotect, mremap, brk), so one
    /// thread's find-then-map never interleaves with another's change, as Linux's mmap lock ensures.</summary>
    internal object MapGate { get; } = new();

    /// <summary>The highest signal number.</summary>
    internal const int MaxSignal = Abi.SignalNumber.SIGRTMAX;

    private ThreadGroup(GuestKernel kernel, AddrSpace space, FdTable fds, byte[] executablePath)
    {
        Kernel = kernel;
        Space = space;
        Fds = fds;
        SyncFileLimit();
        ExecutablePath = executablePath;
        commandName = ProcessCommandName.FromPath(executablePath);
        Pid = kernel.HostPid;
        Fs = FsContext.Create(kernel.Options);
        Fs.HoldHostWorkingDirectory();
        MainTask = new Task(this, Pid, kernel.CreateCpu(space));
        _tasks.Add(MainTask);
        Signals.SignalFds.Adopt(fds);
    }

    private readonly System.Collections.Generic.List<Task> _tasks = new();

    /// <summary>The kernel this group runs in.</summary>
    public GuestKernel Kernel { get; }

    /// <summary>The guest's memory.</summary>
    public AddrSpace Space { get; }

    /// <summary>The group's first task (its first thread, tid == pid); it may have exited while others run.</summary>
    public Task MainTask { get; }

    /// <summary>While this forked process still reads its parent's lent memory: the loan to release
    /// (<see cref="Process.MemoryLoan"/>); otherwise null.</summary>
    internal Process.MemoryLoan? Loan { get; set; }

    /// <summary>The number of live tasks.</summary>
    internal int TaskCount
    {
        get
        {
            lock (_tasks)
            {
                return _tasks.Count;
            }
        }
    }

    private int _threadsFinishing;

    /// <summary>Threads that have begun their exit (<c>FinishThread</c>) and may still touch the space or their CPU.</summary>
    internal int ThreadsFinishing => Volatile.Read(ref _threadsFinishing);

    /// <summary>Counts a thread into or out of <see cref="ThreadsFinishing"/>.</summary>
    /// <param name="started">True when its exit begins, false when it no longer touches the process.</param>
    internal void ThreadFinishing(bool started)
    {
        if (started)
        {
            Interlocked.Increment(ref _threadsFinishing);
        }
        else
        {
            Interlocked.Decrement(ref _threadsFinishing);
        }
    }

    /// <summary>The execution domain and flags <c>personality</c> sets and reports (<c>PER_LINUX</c>,
    /// <c>ADDR_NO_RANDOMIZE</c>...): stored and returned, starting from the runner's own (so <c>setarch -R</c> on the
    /// runner reaches the guest). Nothing in the layer acts on it.</summary>
    internal uint Personality { get; set; } = HostPersonality();

    /// <summary>The futex wait queues of this process.</summary>
    internal FutexTable Futexes { get; } = new();

    /// <summary>The status the group exits with when its last thread exits alone: the leader's <c>exit</c> status.</summary>
    internal int LeaderExitStatus { get; set; }

    /// <summary>The live tasks, in creation order (a copy).</summary>
    /// <returns>The tasks.</returns>
    internal Task[] LiveTasks()
    {
        lock (_tasks)
        {
            return _tasks.ToArray();
        }
    }

    /// <summary>The live task with thread id <paramref name="tid"/>, or null.</summary>
    /// <param name="tid">The tid.</param>
    /// <returns>The task.</returns>
    internal Task? FindTask(int tid)
    {
        lock (_tasks)
        {
            foreach (Task t in _tasks)
            {
                if (t.Tid == tid)
                {
                    return t;
                }
            }
        }

        return null;
    }

    private static uint HostPersonality()
    {
        long r = HostLinux.Syscall((long)Abi.SyscallNumber.Personality, Abi.PersonalityAbi.Query);
        return r < 0 ? 0 : (uint)r;
    }

    /// <summary>Adds a new thread.</summary>
    /// <param name="task">The task.</param>
    internal void AddTask(Task task)
    {
        lock (_tasks)
        {
            _tasks.Add(task);
        }
    }

    /// <summary>Removes a thread that exited.</summary>
    /// <param name="task">The task.</param>
    /// <returns>The number of live tasks left.</returns>
    internal int RemoveTask(Task task)
    {
        lock (_tasks)
        {
            _ = _tasks.Remove(task);
            return _tasks.Count;
        }
    }

    /// <summary>Wakes every task's blocking wait (a forwarded host signal arrived).</summary>
    internal void WakeAllTasks()
    {
        foreach (Task t in LiveTasks())
        {
            t.Wake();
        }
    }

    /// <summary>How the runner was started (trace flag, runner path).</summary>
    public RunnerOptions Options => Kernel.Options;

    /// <summary>The guest's descriptors.</summary>
    public FdTable Fds { get; }

    /// <summary>The guest's view of the file system: working directory, root, read-only.</summary>
    public FsContext Fs { get; }

    /// <summary>What the running program's <c>execve</c> recorded (argv/environment ranges, auxv, file-backed ranges)
    /// for <c>/proc/PID</c>; <see cref="ProcessImage.Empty"/> when the hand-off did not carry it.</summary>
    public ProcessImage Image { get; set; } = ProcessImage.Empty;

    /// <summary>The absolute path of the running guest program (what <c>/proc/self/exe</c> names), without NUL.</summary>
    public byte[] ExecutablePath { get; private set; }

    /// <summary>The command name (<c>comm</c>, at most 15 bytes): what <c>/proc/PID/comm</c> shows and
    /// <c>PR_SET_NAME</c> sets. Setting it also publishes it to this runner's host <c>comm</c>, where other processes
    /// read it.</summary>
    internal byte[] CommandName
    {
        get => commandName;
        set
        {
            commandName = value;
            ProcessCommandName.PublishToHost(value);
        }
    }

    private byte[] commandName;

    /// <summary>The guest pid (the host pid).</summary>
    public int Pid { get; }

    /// <summary>The start of the heap (just past the loaded image).</summary>
    public ulong BrkStart { get; internal set; }

    /// <summary>The current program break.</summary>
    public ulong BrkEnd { get; internal set; }

    /// <summary>The guest's resource limits (recorded, inherited across fork and execve, not applied to the host).</summary>
    public ResourceLimits Limits
    {
        get => _limits;
        internal set
        {
            _limits = value;
            SyncFileLimit();
        }
    }

    private ResourceLimits _limits = ResourceLimits.FromHost();

    /// <summary>Makes the descriptor table's <see cref="FdTable.SoftLimit"/> follow RLIMIT_NOFILE's soft limit; call
    /// after the limits change.</summary>
    internal void SyncFileLimit()
    {
        if (_limits.TryGet(ResourceLimits.NoFile, out Abi.RLimit files))
        {
            Fds.SoftLimit = (int)Math.Min(files.Current, FdTable.MaxLimit);
        }
    }

    /// <summary>The guest's PR_SET_DUMPABLE flag (the runner process itself is never dumpable).</summary>
    internal bool Dumpable { get; set; } = true;

    /// <summary>Guest signal handlers: 0 = default, 1 = ignore, else the handler's address (index = signal).</summary>
    internal ulong[] SignalHandlers { get; } = new ulong[MaxSignal + 1];

    /// <summary>The group's process-directed pending signals and the lock of every pending set.</summary>
    internal Signals.GroupSignals Signals { get; } = new();

    /// <summary>The sa_flags, sa_restorer and sa_mask the guest registered (index = signal).</summary>
    internal (ulong Flags, ulong Restorer, ulong Mask)[] SignalExtras { get; } = new (ulong, ulong, ulong)[MaxSignal + 1];

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

        MainTask.SignalMask = mask;
    }

    /// <summary>Runs the guest until it exits; never returns (the host process ends with the guest's status).</summary>
    /// <param name="entry">Where the main task starts (RIP).</param>
    public void Run(ulong entry) => MainTask.Run(entry);

    /// <summary>Ends the guest (and this host process) as if killed by <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal.</param>
    public void Terminate(int signal)
    {
        Kernel.Tracer?.Killed(signal);
        Kernel.Stats?.Print(Pid);
        HostLinux.DieBySignal(signal);
    }

    /// <summary>Ends the guest (and this host process) with an exit status.</summary>
    /// <param name="status">The status (low 8 bits count).</param>
    public void Exit(int status)
    {
        Kernel.Stats?.Print(Pid);
        HostLinux.ExitNow(status & 0xff);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        MainTask.Dispose();
        Space.Dispose();
    }

    /// <summary>Tears down what an <c>execve</c> inside this runner leaves behind of this process (its only task has
    /// stopped running): the robust list is released as Linux's exec releases it, then the CPU, the task's wake-up
    /// descriptor, the working-directory descriptor and the address space go (a parent that lent its memory to this
    /// process runs on). Descriptors, signal state and the host process stay with the new program.</summary>
    internal void DisposeAfterExec()
    {
        RobustList.ReleaseAtExit(MainTask);
        MainTask.ReleaseCpuAndWakeFd();
        MainTask.OwnFs?.ReleaseWorkingDirectory();
        Fs.ReleaseWorkingDirectory();
        Space.Dispose();
    }
}
