using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Process;

/// <summary>
/// Fork without copying memory: a <c>vfork</c>, or a single-threaded parent with much written memory, lends its
/// memory file to the child (<see cref="AddrSpace.CreateLendingSnapshot(bool)"/>) and waits, as a <c>vfork</c> parent does,
/// until the child no longer reads it. The child reads the lent pages copy-on-write (<c>AddrSpace.RestoreBorrowedSnapshot</c>) and lets
/// go by execve or exit (no copy at all) or by taking its own copy (<see cref="AddrSpace.ReleaseBorrowedMemory"/>),
/// which it does before anything that could block, change its mappings or take long.
/// </summary>
/// <remarks>
/// <para>The signal is a pipe: the parent holds the read end and waits for end-of-file; the child holds the only write
/// end (close-on-exec, so an execve of the child runner closes it) and closes it when it releases. A child runner that
/// dies closes it too, so the parent never waits for a process that is gone.</para>
/// <para>The child releases (<see cref="BeforeSyscall"/>) before every system call outside
/// <see cref="LoanSafeSyscalls"/> (calls that neither block nor change memory mappings), before a job-control stop, and
/// when it has run <see cref="ComputeLimit"/> without letting go (a child spinning on shared memory for its parent).
/// So a parent waits at most for the child's start, a few non-blocking calls and a copy it would otherwise have made
/// itself.</para>
/// </remarks>
internal sealed class MemoryLoan
{
    /// <summary>The private memory above which a fork lends instead of copying. Below it a copy costs less than the
    /// parent waiting for the child runner to start (tens of milliseconds), and the parent runs on at once.</summary>
    public const ulong LendAbove = 32UL << 20;

    /// <summary>How long (wall time from its start, runner start-up included) a borrowing child runs before it takes
    /// its own copy: long enough for a loaded machine to start the child runner and reach an execve, short enough that
    /// a child spinning on shared memory for its parent is not stuck for long.</summary>
    public static readonly TimeSpan ComputeLimit = TimeSpan.FromMilliseconds(250);

    private const long PipeCloseOnExec = (long)OpenFlags.CloseOnExec;

    private int _descriptor;
    private Timer? _timer;
    private Task? _task;
    private volatile bool _expired;

    private MemoryLoan(int descriptor) => _descriptor = descriptor;

    /// <summary>Whether the child has run for <see cref="ComputeLimit"/> while borrowing.</summary>
    public bool Expired => _expired;

    /// <summary>Whether a fork of <paramref name="process"/> should lend its memory. A <c>vfork</c> always does: its
    /// caller is suspended until the child execs or exits anyway, and the child shares the parent's memory on Linux,
    /// so other threads' stores showing through to the child are within its semantics. A plain fork lends when the
    /// process has one task (other threads would change the memory the child must see as at the fork) and enough
    /// written memory for a copy to cost more than the wait.</summary>
    /// <param name="process">The forking process.</param>
    /// <param name="vfork">Whether the fork is a <c>vfork</c> (CLONE_VFORK).</param>
    /// <returns>True to lend.</returns>
    public static bool ShouldLend(ThreadGroup process, bool vfork) =>
        !process.Space.IsBorrowingMemory && (vfork || (process.TaskCount == 1 && process.Space.CommittedBytes > LendAbove));

    /// <summary>The parent's side: a close-on-exec pipe whose write end goes to the child.</summary>
    /// <param name="readEnd">The end to wait on.</param>
    /// <param name="writeEnd">The end to hand over.</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    public static long CreatePipe(out int readEnd, out int writeEnd)
    {
        Span<byte> ends = stackalloc byte[2 * sizeof(int)];
        long r = HostLinux.Syscall((long)SyscallNumber.Pipe2, ends, 0, [0, PipeCloseOnExec]);
        readEnd = r < 0 ? -1 : BitConverter.ToInt32(ends);
        writeEnd = r < 0 ? -1 : BitConverter.ToInt32(ends[sizeof(int)..]);
        return r;
    }

    /// <summary>The parent's side: waits until every write end is closed (the child released the memory, exec'd or
    /// died), then closes <paramref name="readEnd"/>. Guest signals stay pending meanwhile, as for a vfork parent.</summary>
    /// <param name="readEnd">The read end from <see cref="CreatePipe"/>; the caller has closed its write end.</param>
    public static void WaitForRelease(int readEnd)
    {
        Span<byte> buffer = stackalloc byte[1];
        while (true)
        {
            long r = HostLinux.Syscall((long)SyscallNumber.Read, buffer, 1, [readEnd, 0, buffer.Length]);
            if (r != -(long)LinuxError.EINTR && r != 1)
            {
                break; // 0 (end of file) or an error: nobody holds the memory any more
            }
        }

        HostLinux.Syscall((long)SyscallNumber.Close, readEnd);
    }

    /// <summary>The child's side: takes over the inherited write end (made close-on-exec, so no later runner inherits
    /// it).</summary>
    /// <param name="descriptor">The inherited write end.</param>
    /// <returns>The loan, to give <c>AddrSpace.RestoreBorrowedSnapshot</c> its <see cref="OnReleased"/> and
    /// then <see cref="Start"/>.</returns>
    public static MemoryLoan Adopt(int descriptor)
    {
        RunnerDescriptors.Check(RunnerDescriptors.SetCloseOnExec(descriptor, true), "the memory loan's descriptor");
        return new MemoryLoan(descriptor);
    }

    /// <summary>Starts the compute limit for <paramref name="task"/>, the borrowing process's only task.</summary>
    /// <param name="task">The task.</param>
    public void Start(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        task.Group.Loan = this;
        _task = task;
        _timer = new Timer(static state => ((MemoryLoan)state!).Expire(), this, ComputeLimit, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The space's release callback: closes the write end (the parent runs on) and stops the timer.</summary>
    public void OnReleased()
    {
        int descriptor = Interlocked.Exchange(ref _descriptor, -1);
        if (descriptor >= 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, descriptor);
        }

        _timer?.Dispose();
    }

    /// <summary>Before a system call of the borrowing task: releases unless the call is loan-safe.</summary>
    /// <param name="task">The task.</param>
    /// <param name="number">The syscall number.</param>
    /// <param name="args">Its arguments.</param>
    public void BeforeSyscall(Task task, long number, ReadOnlySpan<ulong> args)
    {
        if (!LoanSafeSyscalls.Allows(number, args))
        {
            Release(task);
        }
    }

    /// <summary>Takes the task's own copy now (after the compute limit, or before a stop). A host out of memory for
    /// the copy ends the process as the OOM killer would.</summary>
    /// <param name="task">The task.</param>
    public void Release(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            task.Space.ReleaseBorrowedMemory();
        }
        catch (InsufficientMemoryException)
        {
            task.Group.Terminate(SignalNumber.SIGKILL);
        }

        task.Group.Loan = null;
    }

    private void Expire()
    {
        _expired = true;
        _task?.Cpu.RequestStop();
    }
}
