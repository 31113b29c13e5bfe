using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Signal generation and delivery, as Linux does them. <see cref="Send"/> makes a signal pending (thread- or
/// process-directed; ignored signals are discarded at generation unless blocked), from any thread. After every
/// syscall (<see cref="AfterSyscall"/>) and every stop, <see cref="AfterStop"/> performs a requested
/// <c>rt_sigreturn</c>, then delivers every pending unblocked signal in Linux's order before the task resumes: an
/// ignored one is dropped, a default action terminates, stops or does nothing, and a handler gets an
/// <c>rt_sigframe</c> written through the core (<see cref="SignalFrame"/>). A syscall that a signal interrupted
/// returned a <see cref="RestartCode"/>; the first handler frame turns it into EINTR or a restart (SA_RESTART), and
/// without a handler the syscall restarts.
/// </summary>
internal static class SignalDelivery
{
    /// <summary>SIGKILL and SIGSTOP: never blocked.</summary>
    internal static readonly ulong Unblockable = SignalNumber.Bit(SignalNumber.SIGKILL) | SignalNumber.Bit(SignalNumber.SIGSTOP);

    private const ulong Ignore = 1;
    private const ulong Default = 0;
    private const ulong SyscallInstructionLength = 2;

    private static readonly ulong StopSignals = SignalNumber.Bit(SignalNumber.SIGSTOP) | SignalNumber.Bit(SignalNumber.SIGTSTP)
        | SignalNumber.Bit(SignalNumber.SIGTTIN) | SignalNumber.Bit(SignalNumber.SIGTTOU);

    /// <summary>Makes a signal pending for <paramref name="t"/> (thread-directed) or its group. Callable from any
    /// thread; asks the task's CPU to stop when the signal can be delivered now.</summary>
    /// <param name="t">The target task.</param>
    /// <param name="info">The siginfo (<see cref="SigInfo.Signal"/> in 1..64).</param>
    /// <param name="toThread">True for tkill/tgkill and synchronous faults.</param>
    /// <returns>False when the signal was discarded or merged.</returns>
    internal static bool Send(Task t, in SigInfo info, bool toThread)
    {
        int signal = info.Signal;
        if (!toThread)
        {
            t = PickThread(t, signal);
        }

        ulong bit = SignalNumber.Bit(signal);
        GroupSignals g = t.Group.Signals;
        bool added;
        lock (g.Lock)
        {
            if ((bit & StopSignals) != 0)
            {
                t.Signals.Private.Discard(SignalNumber.SIGCONT);
                g.Shared.Discard(SignalNumber.SIGCONT);
            }
            else if (signal == SignalNumber.SIGCONT)
            {
                for (int s = SignalNumber.SIGSTOP; s <= SignalNumber.SIGTTOU; s++)
                {
                    t.Signals.Private.Discard(s);
                    g.Shared.Discard(s);
                }
            }

            if (IsIgnored(t, signal) && (t.SignalMask & bit) == 0)
            {
                return false;
            }

            added = (toThread ? t.Signals.Private : g.Shared).Add(info);
        }

        if (HasDeliverable(t))
        {
            t.Cpu.RequestStop();
            t.Wake();
        }
        else if (added)
        {
            // Blocked everywhere: no one runs a handler, but a thread waiting for it (rt_sigtimedwait, a signalfd
            // read) must look again. Linux wakes such a waiter because it unblocks its set while it waits.
            if (toThread)
            {
                t.Wake();
            }
            else
            {
                t.Group.WakeAllTasks();
            }
        }

        return added;
    }

    /// <summary>Removes a process CPU-time timer's signal (<c>SI_KERNEL</c>, sent to the busy thread:
    /// <see cref="CpuTimeSampler"/>) of number <paramref name="signal"/> pending on <paramref name="t"/>, so a thread
    /// timer's signal of the same number can take its place instead of merging into it. On Linux the first sits in the
    /// shared set and the second in the thread's own, so both arrive; here both are the thread's, and the thread timer's
    /// is the one a profiler counts (Go ignores <c>setitimer</c>'s on a thread with its own timer).</summary>
    /// <param name="t">The thread the timer signal is for.</param>
    /// <param name="signal">Its number.</param>
    internal static void DisplaceIntervalTimerSignal(Task t, int signal)
    {
        GroupSignals g = t.Group.Signals;
        lock (g.Lock)
        {
            if ((t.Signals.Private.Set & SignalNumber.Bit(signal)) != 0 && t.Signals.Private.TryTake(signal, out SigInfo pending)
                && !CpuTimeSampler.IsIntervalTimerSignal(pending))
            {
                _ = t.Signals.Private.Add(pending); // not an interval timer's: it stays
            }
        }
    }

    /// <summary>The thread a process-directed signal is aimed at, as Linux's <c>complete_signal</c> picks it: the
    /// suggested one when it does not block the signal, else the first live thread that does not, else the suggested
    /// one (the signal then waits in the shared set for whoever unblocks it).</summary>
    /// <param name="suggested">The task the sender named (the group's first task, or the sender itself).</param>
    /// <param name="signal">The signal.</param>
    /// <returns>The task to stop and wake.</returns>
    private static Task PickThread(Task suggested, int signal)
    {
        ulong bit = SignalNumber.Bit(signal);
        Task[] live = suggested.Group.LiveTasks();
        if ((suggested.SignalMask & bit) == 0 && System.Array.IndexOf(live, suggested) >= 0)
        {
            return suggested;
        }

        foreach (Task candidate in live)
        {
            if ((candidate.SignalMask & bit) == 0)
            {
                return candidate;
            }
        }

        return live.Length > 0 && System.Array.IndexOf(live, suggested) < 0 ? live[0] : suggested;
    }

    /// <summary>True when some live thread of <paramref name="group"/> has a deliverable signal.</summary>
    /// <param name="group">The group.</param>
    /// <returns>Whether one has.</returns>
    internal static bool AnyDeliverable(ThreadGroup group)
    {
        foreach (Task t in group.LiveTasks())
        {
            if (HasDeliverable(t))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Asks every live thread with a deliverable signal to stop (repeated by the host-signal thread while one
    /// waits, since a stop request racing with the start of a run may be lost).</summary>
    /// <param name="group">The group.</param>
    internal static void StopTasksWithDeliverable(ThreadGroup group)
    {
        foreach (Task t in group.LiveTasks())
        {
            if (HasDeliverable(t))
            {
                t.Cpu.RequestStop();
            }
        }
    }

    /// <summary>Sends a signal with <c>SI_USER</c>/<c>SI_TKILL</c> and the caller's pid and uid.</summary>
    /// <param name="t">The target (and sender) task.</param>
    /// <param name="signal">The signal.</param>
    /// <param name="code">The si_code.</param>
    /// <param name="toThread">Thread-directed.</param>
    internal static void SendFromSelf(Task t, int signal, int code, bool toThread)
    {
        var info = new SigInfo
        {
            Signal = signal,
            Code = code,
            Pid = t.Group.Pid,
            Uid = (uint)HostLinux.Syscall((long)SyscallNumber.Getuid),
        };
        _ = Send(t, info, toThread);
    }

    /// <summary>True when the guest ignores <paramref name="signal"/> (SIG_IGN, or SIG_DFL with a default action that
    /// does nothing).</summary>
    /// <param name="t">The task.</param>
    /// <param name="signal">The signal.</param>
    /// <returns>Whether generating it would be a no-op.</returns>
    internal static bool IsIgnored(Task t, int signal)
    {
        if (signal is SignalNumber.SIGKILL or SignalNumber.SIGSTOP)
        {
            return false;
        }

        ulong handler = t.Group.SignalHandlers[signal];
        return handler == Ignore || (handler == Default && DefaultSignalAction.IsIgnoredByDefault(signal));
    }

    /// <summary>The signals pending for <paramref name="t"/> (thread- and process-directed).</summary>
    /// <param name="t">The task.</param>
    /// <returns>The mask.</returns>
    internal static ulong Pending(Task t) => t.Signals.Private.Set | t.Group.Signals.Shared.Set;

    /// <summary>True when a pending signal is not blocked (it would be acted on before the task resumes).</summary>
    /// <param name="t">The task.</param>
    /// <returns>Whether one is deliverable.</returns>
    internal static bool HasDeliverable(Task t) => (Pending(t) & ~t.SignalMask) != 0;

    /// <summary>Called after every syscall with its result: records an interrupted syscall and asks for a stop when
    /// something must happen before the guest runs on.</summary>
    /// <param name="t">The task.</param>
    /// <param name="number">The syscall number.</param>
    /// <param name="result">The handler's result.</param>
    internal static void AfterSyscall(Task t, long number, long result)
    {
        TaskSignals s = t.Signals;
        bool stop = s.SigreturnRequested || s.SavedMask is not null;
        if (RestartCode.IsRestart(result))
        {
            s.RestartNumber = number;
            s.RestartResult = result;
            stop = true;
        }

        if (stop || HasDeliverable(t))
        {
            t.Cpu.RequestStop();
        }
    }

    /// <summary>After a stop: performs a requested rt_sigreturn, resolves an interrupted syscall and delivers the
    /// pending signals. Returns where the task resumes.</summary>
    /// <param name="t">The task.</param>
    /// <param name="rip">Where it stopped.</param>
    /// <returns>Where to resume.</returns>
    internal static ulong AfterStop(Task t, ulong rip)
    {
        TaskSignals s = t.Signals;
        if (s.SigreturnRequested)
        {
            s.SigreturnRequested = false;
            s.RestartNumber = -1;
            ulong? back = SignalFrame.Pop(t);
            if (back is null)
            {
                t.Group.Terminate(SignalNumber.SIGSEGV);
            }

            rip = back ?? rip;
        }

        while (TryDequeue(t, out SigInfo info))
        {
            int signal = info.Signal;
            ulong handler = t.Group.SignalHandlers[signal];
            if (signal is SignalNumber.SIGKILL or SignalNumber.SIGSTOP)
            {
                handler = Default;
            }

            if (handler == Ignore)
            {
                continue;
            }

            if (handler == Default)
            {
                switch (DefaultSignalAction.Of(signal))
                {
                    case DefaultAction.Ignore:
                    case DefaultAction.Continue:
                        continue;
                    case DefaultAction.Stop:
                        t.Group.Loan?.Release(t); // a stopped child must not keep its parent waiting
                        StopHostProcess();
                        continue;
                    default:
                        t.Group.Terminate(signal);
                        continue;
                }
            }

            (ulong flags, ulong restorer, ulong mask) = t.Group.SignalExtras[signal];
            if (s.RestartNumber >= 0)
            {
                bool restart = s.RestartResult == RestartCode.RestartNoIntr
                    || (s.RestartResult == RestartCode.RestartSys && (flags & (ulong)SignalActionFlags.Restart) != 0);
                rip = Resolve(t, rip, restart);
            }

            ulong maskToRestore = s.SavedMask ?? t.SignalMask;
            s.SavedMask = null;
            var action = new KernelSigaction { Handler = handler, Flags = flags, Restorer = restorer, Mask = mask };
            ulong? entry = SignalFrame.Push(t, rip, info, action, maskToRestore);
            s.Fault = null;
            if (entry is null)
            {
                t.Group.Terminate(SignalNumber.SIGSEGV);
            }

            ulong blocked = t.SignalMask | mask;
            if ((flags & (ulong)SignalActionFlags.NoDefer) == 0)
            {
                blocked |= SignalNumber.Bit(signal);
            }

            t.SignalMask = blocked & ~Unblockable;
            if ((flags & (ulong)SignalActionFlags.ResetHandler) != 0)
            {
                t.Group.SignalHandlers[signal] = Default;
            }

            rip = entry ?? rip;
        }

        if (s.RestartNumber >= 0)
        {
            rip = Resolve(t, rip, restart: true); // no handler ran: the syscall starts again
        }

        if (s.SavedMask is ulong saved)
        {
            t.SignalMask = saved;
            s.SavedMask = null;
        }

        return rip;
    }

    /// <summary>Turns the interrupted syscall's restart code into EINTR, or rewinds to the syscall instruction.</summary>
    private static ulong Resolve(Task t, ulong rip, bool restart)
    {
        TaskSignals s = t.Signals;
        long number = s.RestartNumber;
        s.RestartNumber = -1;
        if (restart)
        {
            t.Cpu.Write(CpuRegister.Rax, (ulong)number);
            return rip - SyscallInstructionLength;
        }

        t.Cpu.Write(CpuRegister.Rax, unchecked((ulong)-(long)LinuxError.EINTR));
        return rip;
    }

    /// <summary>Takes the next deliverable signal: thread-directed first, then process-directed, each in Linux's
    /// order.</summary>
    private static bool TryDequeue(Task t, out SigInfo info)
    {
        GroupSignals g = t.Group.Signals;
        lock (g.Lock)
        {
            ulong allowed = ~t.SignalMask;
            int signal = PendingSignals.Next(t.Signals.Private.Set & allowed);
            if (signal != 0 && t.Signals.Private.TryTake(signal, out info))
            {
                return true;
            }

            signal = PendingSignals.Next(g.Shared.Set & allowed);
            if (signal != 0 && g.Shared.TryTake(signal, out info))
            {
                return true;
            }
        }

        info = default;
        return false;
    }

    /// <summary>Takes a pending signal of <paramref name="set"/> regardless of the mask (rt_sigtimedwait).</summary>
    /// <param name="t">The task.</param>
    /// <param name="set">The signals wanted.</param>
    /// <param name="info">The siginfo.</param>
    /// <returns>True when one was pending.</returns>
    internal static bool TryTakeFrom(Task t, ulong set, out SigInfo info)
    {
        GroupSignals g = t.Group.Signals;
        lock (g.Lock)
        {
            int signal = PendingSignals.Next(t.Signals.Private.Set & set);
            if (signal != 0 && t.Signals.Private.TryTake(signal, out info))
            {
                return true;
            }

            signal = PendingSignals.Next(g.Shared.Set & set);
            if (signal != 0 && g.Shared.TryTake(signal, out info))
            {
                return true;
            }
        }

        info = default;
        return false;
    }

    /// <summary>Drops pending instances of a signal that just became ignored (sigaction to SIG_IGN, or SIG_DFL for a
    /// default-ignore signal), as Linux does.</summary>
    /// <param name="t">The task.</param>
    /// <param name="signal">The signal.</param>
    internal static void DiscardPending(Task t, int signal)
    {
        GroupSignals g = t.Group.Signals;
        lock (g.Lock)
        {
            t.Signals.Private.Discard(signal);
            g.Shared.Discard(signal);
        }
    }

    /// <summary>Before a host execve: hands the guest's pending signals back to the host kernel, queued to this
    /// thread (where the host-signal thread cannot read them and they stay pending because they are blocked), so the
    /// next runner reads them from its signalfd on its main thread; pending signals survive execve on Linux. If the
    /// execve fails they come back at the next wait.</summary>
    /// <param name="t">The task about to exec.</param>
    internal static void PreserveAcrossExec(Task t)
    {
        if (!HostSignalForwarding.IsActive)
        {
            return;
        }

        int pid = (int)HostLinux.Syscall((long)SyscallNumber.Getpid);
        int tid = (int)HostLinux.Syscall((long)SyscallNumber.Gettid);
        byte[] raw = new byte[SigInfo.Size];
        while (TryTakeFrom(t, HostSignalForwarding.Forwarded, out SigInfo info))
        {
            System.Runtime.InteropServices.MemoryMarshal.Write(raw, in info);
            _ = HostLinux.Syscall((long)SyscallNumber.RtTgsigqueueinfo, raw, 3, [pid, tid, info.Signal, 0, 0, 0]);
        }
    }

    /// <summary>A stop signal's default action: the host runner process stops (its parent sees a stopped child, job
    /// control works) and continues when it gets SIGCONT.</summary>
    private static void StopHostProcess() =>
        _ = HostLinux.Syscall((long)SyscallNumber.Kill, HostLinux.Syscall((long)SyscallNumber.Getpid), SignalNumber.SIGSTOP);
}
