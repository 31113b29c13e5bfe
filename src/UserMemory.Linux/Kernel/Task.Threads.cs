using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// A task's life as a thread: how a <c>clone(CLONE_THREAD)</c> child starts on its own host thread, how a thread
/// exits alone (<c>exit</c>) and wakes its joiner, and the per-task wake-up descriptor every blocking wait polls.
/// </summary>
/// <remarks>
/// <para><b>Thread ids.</b> A guest tid is the host tid of the host thread that runs the task. The host allocates tids
/// from the same number space as pids and never hands out one in use, so a guest tid never collides with the pid of
/// another runner process (guest pid == host pid) or with another thread's tid, and it stays reserved exactly as long
/// as the thread lives, as on Linux. The first task's tid is the host pid (the runner's main thread).</para>
/// <para><b>Exit.</b> <c>exit</c> of one thread among several ends that thread only: its CPU leaves the shared engine,
/// <c>clear_child_tid</c> is zeroed through the core and one futex waiter on it woken (what <c>pthread_join</c> waits
/// for); the last thread to exit ends the group with the leader's status. <c>exit_group</c>, a fatal signal and
/// <c>execve</c> end the host process, which ends every host thread with it.</para>
/// </remarks>
public sealed partial class Task
{
    /// <summary>The size Linux accepts for <c>set_robust_list</c> (<c>struct robust_list_head</c>).</summary>
    internal const ulong RobustListHeadSize = 24;

    /// <summary>The host stack of a task's thread (the syscall layer's own frames; the guest stack is guest memory).</summary>
    private const int HostThreadStackSize = 4 << 20;

    /// <summary>The name of a task's host thread in <c>/proc</c>.</summary>
    private const string GuestThreadName = "guest-thread";

    private readonly object _wakeGate = new();

    /// <summary>This task's wake-up eventfd (non-blocking): every blocking wait for the guest polls it; a signal
    /// posted to the task, a futex wake and a group-wide wake write it. -1 once the thread ended.</summary>
    internal int WakeFd { get; private set; }

    /// <summary>True once the task's thread exits alone: the run loop ends after the current event.</summary>
    internal bool ExitRequested { get; private set; }

    /// <summary>The <c>set_robust_list</c> head, or 0 (walked when the thread exits alone: <see cref="RobustList"/>).</summary>
    internal ulong RobustListHead { get; set; }

    /// <summary>This task's kick word for <see cref="SharedFutex"/> waits (a pinned host word; <see cref="Wake"/>
    /// bumps it and wakes it).</summary>
    private readonly uint[] _kick = GC.AllocateArray<uint>(1, pinned: true);

    /// <summary>The host address of <see cref="_kick"/> (pinned, so it never moves while the task lives).</summary>
    internal long HostKickWord => Marshal.UnsafeAddrOfPinnedArrayElement(_kick, 0);

    /// <summary>Non-zero while the task is in a <see cref="SharedFutex"/> wait (only then does <see cref="Wake"/> pay
    /// for the host wake).</summary>
    private int _sharedWaits;

    /// <summary>The kick word's current value.</summary>
    /// <returns>The value.</returns>
    internal uint ReadKick() => Volatile.Read(ref _kick[0]);

    /// <summary>Marks the start of a <see cref="SharedFutex"/> wait; call before the wait's first
    /// <see cref="ReadKick"/> (a full fence, so a <see cref="Wake"/> either sees the mark or bumped the word first).</summary>
    internal void EnterSharedWait() => Interlocked.Increment(ref _sharedWaits);

    /// <summary>Marks the end of a <see cref="SharedFutex"/> wait.</summary>
    internal void ExitSharedWait() => Interlocked.Decrement(ref _sharedWaits);

    /// <summary>Wakes the task's blocking wait (if any) so it re-checks what it waits for and its signals.</summary>
    internal void Wake()
    {
        lock (_wakeGate)
        {
            if (WakeFd < 0)
            {
                return;
            }

            Span<byte> one = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(one, 1);
            _ = HostLinux.Syscall((long)SyscallNumber.Write, one, 1, [WakeFd, 0, sizeof(ulong), 0, 0, 0]);
        }

        Interlocked.Increment(ref _kick[0]);
        if (Volatile.Read(ref _sharedWaits) != 0)
        {
            SharedFutex.Kick(HostKickWord);
        }
    }

    /// <summary>Resets the wake-up eventfd; a wait calls it before it looks at its conditions, never after.</summary>
    internal void DrainWake()
    {
        if (WakeFd >= 0)
        {
            Span<byte> value = stackalloc byte[sizeof(ulong)];
            _ = HostLinux.Syscall((long)SyscallNumber.Read, value, 1, [WakeFd, 0, sizeof(ulong), 0, 0, 0]);
        }
    }

    /// <summary><c>exit</c>: ends this thread only; the last thread's exit ends the group (with the leader's status,
    /// or <paramref name="status"/> when this is the leader).</summary>
    /// <param name="status">The exit status.</param>
    internal void ExitThread(int status)
    {
        if (Group.TaskCount <= 1)
        {
            Group.Exit(status);
        }

        if (Tid == Group.Pid)
        {
            Group.LeaderExitStatus = status;
        }

        ExitRequested = true;
        Cpu.RequestStop();
    }

    /// <summary>Releases the task's CPU and its wake-up descriptor: at the thread's exit, and for a task whose process
    /// an <c>execve</c> replaced in this runner (the host thread goes on with the new process's task).</summary>
    internal void ReleaseCpuAndWakeFd()
    {
        Cpu.Dispose();
        lock (_wakeGate)
        {
            if (WakeFd >= 0)
            {
                _ = HostLinux.Syscall((long)SyscallNumber.Close, WakeFd);
                WakeFd = -1;
            }
        }
    }

    /// <summary>Starts a new thread of this task's group on <paramref name="cpu"/> (<c>clone</c> with
    /// <c>CLONE_THREAD</c>): a host thread is started, its host tid becomes the task's tid, <paramref name="prepare"/>
    /// runs before the thread executes any guest code, and the tid is returned.</summary>
    /// <param name="cpu">The child's CPU (from <see cref="ICpu.CreateThreadCpu"/>, registers already set).</param>
    /// <param name="prepare">Sets the child's state (tids written, clear_child_tid) before it runs.</param>
    /// <returns>The child's tid, or -EAGAIN when no host thread could be started.</returns>
    internal long StartThread(ICpu cpu, Action<Task> prepare)
    {
        Task? child = null;
        // Not disposed here: the child may still be inside go.Wait() when this returns (the GC reclaims them).
#pragma warning disable CA2000
        var ready = new ManualResetEventSlim();
        var go = new ManualResetEventSlim();
#pragma warning restore CA2000
        bool started = HostLinux.TryStartThread(
            () =>
            {
                int tid = (int)HostLinux.Syscall((long)SyscallNumber.Gettid);
                child = new Task(Group, tid, cpu) { SignalMask = SignalMask, CommandName = CommandName, OwnFs = OwnFs };
                ready.Set();
                go.Wait();
                child.RunUntilExit();
                child.FinishThread();
            },
            GuestThreadName,
            HostThreadStackSize);
        if (!started)
        {
            cpu.Dispose();
            return -(long)LinuxError.EAGAIN;
        }

        ready.Wait();
        Task task = child!;
        Group.AddTask(task);
        prepare(task);
        go.Set();
        return task.Tid;
    }

    /// <summary>After the thread's last event: clears and wakes <c>clear_child_tid</c>, leaves the group and the
    /// engine; the last thread out ends the group.</summary>
    private void FinishThread()
    {
        // Counted as finishing before it leaves the group, so an execve that sees one task left also sees that this
        // thread may still touch the space and the CPU (InProcessExec then takes the host execve).
        Group.ThreadFinishing(true);

        // Out of the group before the joiner wakes: after pthread_join the tid is gone (tgkill answers ESRCH), as a
        // joiner on Linux observes (the thread is unhashed long before the joiner runs).
        int remaining = Group.RemoveTask(this);
        RobustList.ReleaseAtExit(this);
        ulong clear = ClearChildTid;
        if (clear != 0)
        {
            using (UserAccess access = UserAccess.Begin(Space))
            {
                _ = UserCopy.AtomicStore32(in access, UserPtr<uint>.FromAddress(new VirtAddr(clear)), 0);
            }

            _ = Group.Futexes.Wake(this, clear, 1, FutexTable.AnyBit);
        }

        ReleaseCpuAndWakeFd();
        Group.ThreadFinishing(false);
        if (remaining == 0)
        {
            Group.Exit(Group.LeaderExitStatus);
        }
    }
}
