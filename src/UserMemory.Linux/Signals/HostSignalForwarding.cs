using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu.Kvm;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Host signals sent to the runner process (another process's <c>kill</c>, SIGCHLD from child runners, terminal
/// SIGINT/SIGQUIT/SIGTSTP, SIGALRM and POSIX timers) become pending guest signals instead of acting on the runner.
/// </summary>
/// <remarks>
/// <para><b>Design.</b> The .NET runtime installs its own handlers (SIGTERM, SIGINT, SIGQUIT, its GC activation
/// signal, the hardware-fault signals) and starts threads before <c>Main</c>, each of which could take a
/// process-directed signal. So the forwardable signals (<see cref="Forwarded"/>) are blocked in <i>every</i> runner
/// thread: <see cref="PrepareProcess"/>, the first thing the runner does, blocks them and, when they were not already
/// blocked when the process started, re-executes the runner once (<c>execve</c> keeps the mask, and every thread the
/// runtime starts inherits it). Fork children (posix_spawn) and execve'd runners inherit the mask, so only a runner
/// started from outside pays the re-exec. Blocked signals stay pending in the host kernel and are read from a
/// <c>signalfd</c>: a dedicated host thread waits on it and posts each as a guest signal
/// (<see cref="SignalDelivery.Send"/>, which stops the guest CPU when the signal is deliverable); blocking waits made
/// for the guest also poll it, together with an <c>eventfd</c> the posting side writes
/// (<see cref="InterruptibleWait"/>). The hardware-fault signals (SEGV, BUS, FPE, ILL, TRAP), SIGPIPE (the runtime
/// ignores it; the layer raises the guest's SIGPIPE itself on EPIPE), glibc's two internal signals and the runtime's
/// activation signal are never blocked. Neither is the KVM backend's vCPU stop signal
/// (<see cref="KvmVcpu.StopSignal"/>): blocked, it could not interrupt <c>KVM_RUN</c>, and a stop request left pending
/// on the vCPU thread would survive the runner's <c>execve</c> and reach the next guest as a signal from outside. A
/// guest in another runner that sends that signal number therefore reaches the runner, not the guest.</para>
/// <para>Not covered: a signal another process directs at the runner's main thread with <c>tgkill</c> is seen only
/// at the guest's next blocking wait (the host thread reads process-directed signals).</para>
/// </remarks>
public static class HostSignalForwarding
{
    /// <summary>The first real-time signal the runtime and glibc leave alone (32 and 33 are glibc's, 34 the runtime's
    /// activation signal).</summary>
    private const int FirstForwardedRealtime = 35;

    private const int SignalSetSize = 8;
    private const int SigactionSize = 32;
    private const int SignalfdInfoSize = 128;
    private const int DrainBatch = 16;

    /// <summary>The most signalfd reads one drain makes while it holds the gate.</summary>
    private const int MaxDrainReads = 4;
    private const long SignalfdFlags = (long)(OpenFlags.NonBlock | OpenFlags.CloseOnExec);
    private const short PollIn = 1;

    /// <summary><c>struct pollfd</c>: descriptor, events, returned events.</summary>
    private const int PollEntrySize = 8;
    private const int PollEventsOffset = 4;
    private const int PollReturnedEventsOffset = 6;
    private const int RepeatStopMilliseconds = 10;

    /// <summary>The name of the signal pump's host thread in <c>/proc</c>.</summary>
    private const string PumpThreadName = "guest-signals";
    private const int PathBufferSize = 4097;
    private const int AtFdCwd = -100;

    private static int s_signalFd = -1;
    private static bool s_prepared;
    private static Task? s_task;

    /// <summary>Held while a forwarded signal is posted to <see cref="s_task"/> and while an <c>execve</c> inside the
    /// runner moves forwarding to the new process's task (<see cref="Retarget"/>), so no signal reaches a task whose
    /// CPU is being torn down.</summary>
    private static readonly Lock s_targetGate = new();

    /// <summary>The host signals forwarded to the guest.</summary>
    public static ulong Forwarded { get; } = ComputeForwarded();

    /// <summary>True once the host thread runs (blocking waits then poll <see cref="SignalFd"/> and
    /// each task's wake-up eventfd).</summary>
    internal static bool IsActive => s_task is not null;

    /// <summary>The signalfd, or -1.</summary>
    internal static int SignalFd => s_signalFd;

    /// <summary>Blocks the forwarded signals in this process; when they were not blocked at process start, re-executes
    /// the runner (same executable, arguments and environment) so that every runtime thread starts with them
    /// blocked. Call first thing in <c>Main</c>. Returns only when the mask is in place (or the re-exec failed, in
    /// which case nothing is forwarded).</summary>
    public static void PrepareProcess()
    {
        byte[] set = new byte[SignalSetSize];
        byte[] old = new byte[SignalSetSize];
        BinaryPrimitives.WriteUInt64LittleEndian(set, Forwarded);
        if (HostLinux.Syscall((long)SyscallNumber.RtSigprocmask, set, 1, old, 2, [(long)SigProcMaskHow.Block, 0, 0, SignalSetSize, 0, 0]) < 0)
        {
            return;
        }

        if ((BinaryPrimitives.ReadUInt64LittleEndian(old) & Forwarded) == Forwarded)
        {
            s_prepared = true;
            return;
        }

        _ = Reexecute();

        // The re-exec failed: leave the process as it was.
        _ = HostLinux.Syscall((long)SyscallNumber.RtSigprocmask, set, 1, default, HostLinux.NoSlot, [(long)SigProcMaskHow.Unblock, 0, 0, SignalSetSize, 0, 0]);
    }

    /// <summary>Starts forwarding to <paramref name="task"/>: guest dispositions take over from the host ones (a
    /// signal the host ignored at start stays ignored for the guest), then the signalfd, the eventfd and the host
    /// thread. Does nothing unless <see cref="PrepareProcess"/> put the mask in place.</summary>
    /// <param name="task">The task that receives the signals.</param>
    internal static void Attach(Task task)
    {
        if (!s_prepared || s_task is not null)
        {
            return;
        }

        byte[] action = new byte[SigactionSize];
        byte[] none = new byte[SigactionSize];
        for (int s = 1; s <= SignalNumber.SIGRTMAX; s++)
        {
            if ((Forwarded & SignalNumber.Bit(s)) == 0)
            {
                continue;
            }

            if (HostLinux.Syscall((long)SyscallNumber.RtSigaction, default, HostLinux.NoSlot, action, 2, [s, 0, 0, SignalSetSize, 0, 0]) == 0
                && BinaryPrimitives.ReadUInt64LittleEndian(action) == 1 && task.Group.SignalHandlers[s] == 0)
            {
                task.Group.SignalHandlers[s] = 1; // SIG_IGN at exec stays SIG_IGN
            }

            _ = HostLinux.Syscall((long)SyscallNumber.RtSigaction, none, 1, default, HostLinux.NoSlot, [s, 0, 0, SignalSetSize, 0, 0]);
        }

        byte[] set = new byte[SignalSetSize];
        BinaryPrimitives.WriteUInt64LittleEndian(set, Forwarded);
        long fd = HostLinux.Syscall((long)SyscallNumber.Signalfd4, set, 1, [-1, 0, SignalSetSize, SignalfdFlags, 0, 0]);
        if (fd < 0)
        {
            return;
        }

        s_signalFd = (int)fd;
        s_task = task;
        ChildReaping.Apply(task.Group);
        Drain(); // on this (main) thread: also what an execve left pending on it
        if (!HostLinux.TryStartThread(Pump, PumpThreadName))
        {
            new Thread(Pump) { IsBackground = true, Name = PumpThreadName }.Start();
        }
    }

    /// <summary>Moves forwarding to <paramref name="task"/>, the main task of the process an <c>execve</c> inside the
    /// runner just built: later host signals go to it, and the host's SIGCHLD action follows its dispositions. Does
    /// nothing when forwarding is not active.</summary>
    /// <param name="task">The new process's main task.</param>
    internal static void Retarget(Task task)
    {
        lock (s_targetGate)
        {
            if (s_task is null)
            {
                return;
            }

            s_task = task;
            ChildReaping.Apply(task.Group);
        }
    }

    /// <summary>Wakes every blocking wait of the guest's threads so they re-check the pending signals.</summary>
    internal static void Wake() => s_task?.Group.WakeAllTasks();

    /// <summary>Makes every host signal queued to the runner before a wait's answer pending for the guest, so the guest
    /// sees it at that syscall's exit, as Linux delivers a signal sent before the event that ended a wait: with
    /// <paramref name="queued"/> (the signalfd polled ready with the answer) it drains the signalfd; otherwise it only
    /// waits out a drain the signal thread may be in the middle of (it read the signalfd, and posts under
    /// <see cref="s_targetGate"/>). Without it a guest blocked in <c>read</c> that another process sent a signal and
    /// then an end of file could run on past the read before the signal arrived (CPython's test_file_eintr).</summary>
    /// <param name="queued">Whether the signalfd was seen readable.</param>
    internal static void Settle(bool queued)
    {
        if (s_task is null)
        {
            return;
        }

        lock (s_targetGate)
        {
            if (queued)
            {
                DrainLocked();
            }
        }
    }

    /// <summary>Reads every signal waiting in the signalfd and posts it to the guest; wakes the waits when any came.</summary>
    internal static void Drain()
    {
        lock (s_targetGate)
        {
            DrainLocked();
        }
    }

    private static void DrainLocked()
    {
        Task? task = s_task;
        if (task is null)
        {
            return;
        }

        byte[] buffer = new byte[SignalfdInfoSize * DrainBatch];
        bool any = false;

        // Bounded: a source that fires faster than this loop drains (a POSIX timer with a 1 us period re-queues its
        // signal as soon as it is read) would otherwise keep the gate, and every guest thread that waits for it, for
        // ever. What is left is read on the next call (the pump polls again at once).
        for (int reads = 0; reads < MaxDrainReads; reads++)
        {
            long n = HostLinux.Syscall((long)SyscallNumber.Read, buffer, 1, [s_signalFd, 0, buffer.Length, 0, 0, 0]);
            if (n <= 0)
            {
                break;
            }

            for (int at = 0; at + SignalfdInfoSize <= n; at += SignalfdInfoSize)
            {
                SigInfo info = ToSigInfo(buffer.AsSpan(at, SignalfdInfoSize));
                if (info.Code == SignalCode.Timer)
                {
                    if (!ThreadTimerTargets.TryGetGuestSignal(info.TimerId, info.Signal, out int guestSignal))
                    {
                        continue;
                    }

                    info.Signal = guestSignal;
                }

                Task? target = info.Code == SignalCode.Timer && ThreadTimerTargets.TryGetTarget(info.TimerId, out int tid) ? task.Group.FindTask(tid) : null;
                Task? busiest = target is null && (CpuTimeSampler.IsIntervalTimerSignal(info) || (info.Code == SignalCode.Timer && ThreadTimerTargets.FollowsCpuTime(info.TimerId)))
                    ? CpuTimeSampler.Busiest(task.Group, userTimeOnly: info.Signal == SignalNumber.SIGVTALRM && info.Code == SignalCode.Kernel)
                    : null;
                if (target is not null)
                {
                    // A thread's own timer signal displaces a process CPU-time one of the same number pending there:
                    // on Linux they sit in different sets and both arrive; Go counts only the thread timer's.
                    SignalDelivery.DisplaceIntervalTimerSignal(target, info.Signal);
                }

                _ = SignalDelivery.Send(target ?? busiest ?? task, info, toThread: (target ?? busiest) is not null);

                // A CPU-time signal aimed at the running thread wakes no sleeper: Linux wakes only the thread
                // complete_signal chose (Send did), and a sleeper woken here would take it first.
                any |= busiest is null;
            }
        }

        if (any)
        {
            Wake();
        }
    }

    /// <summary>Translates a <c>signalfd_siginfo</c> into the guest's <c>siginfo_t</c>.</summary>
    /// <param name="s">The 128-byte record.</param>
    /// <returns>The siginfo.</returns>
    internal static SigInfo ToSigInfo(ReadOnlySpan<byte> s)
    {
        const int CodeOffset = 8, PidOffset = 12, UidOffset = 16, TimerIdOffset = 24, OverrunOffset = 32, StatusOffset = 40,
            PointerOffset = 48, UserTimeOffset = 56, SystemTimeOffset = 64;
        int signal = BinaryPrimitives.ReadInt32LittleEndian(s);
        int code = BinaryPrimitives.ReadInt32LittleEndian(s[CodeOffset..]);
        var info = new SigInfo { Signal = signal, Code = code };
        if (code == SignalCode.Timer)
        {
            info.TimerId = BinaryPrimitives.ReadInt32LittleEndian(s[TimerIdOffset..]);
            info.Overrun = BinaryPrimitives.ReadInt32LittleEndian(s[OverrunOffset..]);
            info.Value = BinaryPrimitives.ReadUInt64LittleEndian(s[PointerOffset..]);
            return info;
        }

        info.Pid = BinaryPrimitives.ReadInt32LittleEndian(s[PidOffset..]);
        info.Uid = BinaryPrimitives.ReadUInt32LittleEndian(s[UidOffset..]);
        if (signal == SignalNumber.SIGCHLD && code > 0)
        {
            info.Status = BinaryPrimitives.ReadInt32LittleEndian(s[StatusOffset..]);
            info.UserTime = BinaryPrimitives.ReadInt64LittleEndian(s[UserTimeOffset..]);
            info.SystemTime = BinaryPrimitives.ReadInt64LittleEndian(s[SystemTimeOffset..]);
        }
        else if (code == SignalCode.Queue || signal >= SignalNumber.SIGRTMIN)
        {
            info.Value = BinaryPrimitives.ReadUInt64LittleEndian(s[PointerOffset..]);
        }

        return info;
    }

    private static void Pump()
    {
        // The signalfd, and in a runner that dies with the first one, the sandbox's lifeline (its hang-up is always
        // reported, asked for or not).
        int entries = SandboxLifeline.IsWatched ? 2 : 1;
        byte[] poll = new byte[PollEntrySize * entries];
        BinaryPrimitives.WriteInt32LittleEndian(poll, s_signalFd);
        BinaryPrimitives.WriteInt16LittleEndian(poll.AsSpan(PollEventsOffset), PollIn);
        if (entries > 1)
        {
            BinaryPrimitives.WriteInt32LittleEndian(poll.AsSpan(PollEntrySize), RunnerDescriptors.Lifeline);
        }

        while (true)
        {
            // While a deliverable signal waits, the stop request is repeated: a backend may lose a request that
            // races with the start of a run.
            bool waiting;
            lock (s_targetGate)
            {
                waiting = SignalDelivery.AnyDeliverable(s_task!.Group);
            }

            long r = HostLinux.Syscall((long)SyscallNumber.Poll, poll, 0, [0, entries, waiting ? RepeatStopMilliseconds : -1, 0, 0, 0]);
            if (r < 0 && r != -(long)LinuxError.EINTR)
            {
                return;
            }

            if (entries > 1)
            {
                SandboxLifeline.Watch(BinaryPrimitives.ReadInt16LittleEndian(poll.AsSpan(PollEntrySize + PollReturnedEventsOffset)));
            }

            lock (s_targetGate)
            {
                if (r == 0 && waiting)
                {
                    SignalDelivery.StopTasksWithDeliverable(s_task!.Group);
                }

                DrainLocked();
            }
        }
    }

    private static ulong ComputeForwarded()
    {
        ulong never = SignalNumber.Bit(SignalNumber.SIGKILL) | SignalNumber.Bit(SignalNumber.SIGSTOP)
            | SignalNumber.Bit(SignalNumber.SIGSEGV) | SignalNumber.Bit(SignalNumber.SIGBUS) | SignalNumber.Bit(SignalNumber.SIGFPE)
            | SignalNumber.Bit(SignalNumber.SIGILL) | SignalNumber.Bit(SignalNumber.SIGTRAP) | SignalNumber.Bit(SignalNumber.SIGPIPE)
            | SignalNumber.Bit(KvmVcpu.StopSignal); // the runner's own: it must reach a vCPU thread inside KVM_RUN, unblocked
        ulong standard = SignalNumber.Bit(SignalNumber.SIGRTMIN) - 1;
        ulong realtime = ~(SignalNumber.Bit(FirstForwardedRealtime) - 1);
        return (standard | realtime) & ~never;
    }

    /// <summary>execve of /proc/self/exe with this process's own argv (from /proc/self/cmdline) and environment.</summary>
    private static long Reexecute()
    {
        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (IOException)
        {
            return -(long)LinuxError.EIO;
        }
        catch (UnauthorizedAccessException)
        {
            return -(long)LinuxError.EACCES;
        }

        var argv = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] == 0)
            {
                argv.Add(cmdline[start..(i + 1)]);
                start = i + 1;
            }
        }

        // The executable's own path (not /proc/self/exe, which would rename the process "exe").
        byte[] path = "/proc/self/exe\0"u8.ToArray();
        byte[] target = new byte[PathBufferSize];
        long length = HostLinux.Syscall((long)SyscallNumber.Readlinkat, path, 1, target, 2, [AtFdCwd, 0, 0, target.Length - 1, 0, 0]);
        if (length > 0 && length < target.Length - 1)
        {
            path = target[..((int)length + 1)];
        }

        byte[][] env = Array.ConvertAll(HostLinux.ReadEnvironment(), e => (byte[])[.. e, 0]);
        GrowDescriptorTable();
        return HostLinux.Execute(path, argv.ToArray(), env);
    }

    /// <summary>Makes this thread's descriptor table private and large enough for the runner's own descriptors, so the
    /// re-executed runner starts with a table that already reaches them.</summary>
    /// <remarks>The runner's descriptors sit at fixed numbers above 1000 (<see cref="RunnerDescriptors"/>), and the
    /// host grows a table past its 64 initial slots by waiting for an RCU grace period whenever other threads share
    /// it: 8–18 ms on these machines, more than the rest of a runner's start. Here, after <c>unshare(CLONE_FILES)</c>,
    /// the table is this thread's alone, so growing it costs no grace period; <c>execve</c> keeps an unshared table as
    /// it is (the close-on-exec descriptor made for the purpose closes, the size stays), and the re-executed runner
    /// never grows it again. Runners started by runners inherit a table of that size already. If the
    /// <c>execve</c> that follows fails, only this thread keeps the private table: the runtime's other threads
    /// neither open nor close descriptors the runner uses.</remarks>
    private static void GrowDescriptorTable()
    {
        if (HostLinux.Syscall((long)SyscallNumber.Unshare, (long)CloneFlags.Files) >= 0)
        {
            _ = RunnerDescriptors.Reserve(RunnerDescriptors.Highest);
        }
    }
}
