using System.Collections.Concurrent;

namespace UserMemory.Linux.Signals;

/// <summary>
/// The host POSIX timers the guest created, and the guest threads that <c>SIGEV_THREAD_ID</c> timers aim at. The host timer behind such a timer notifies the
/// runner process (<c>SIGEV_SIGNAL</c>): a signal aimed at a runner thread would stay pending there, blocked, where
/// the forwarding <c>signalfd</c> cannot read it. When the forwarded signal arrives, its timer id names the guest
/// thread it goes to, as Linux would deliver it (Go's CPU profiler counts a per-thread CPU-time timer's
/// <c>SIGPROF</c> only on the thread whose time it measures).
/// <para>A thread's timer always travels as <see cref="CarrierSignal"/>, a real-time signal, not as the guest's own:
/// on Linux each thread's timer signal is pending on its own thread, so it never merges with another thread's or with
/// the process-wide one, but in the runner's one process-wide pending set two pending <c>SIGPROF</c>s are one. Go arms
/// <c>setitimer(ITIMER_PROF)</c> next to a per-thread timer on every thread, at the same rate: the two expiries
/// coincided and about half of the per-thread samples were lost. Real-time signals queue one per timer.</para>
/// </summary>
/// <remarks>Timer ids are the host's and belong to this runner process (one guest thread group), so one table per
/// process is enough; a timer whose thread has exited falls back to process-directed delivery.</remarks>
internal static class ThreadTimerTargets
{
    private static readonly ConcurrentDictionary<int, int> Targets = new();

    /// <summary>The guest's signal for the timers whose host timer raises <see cref="CarrierSignal"/> instead.</summary>
    private static readonly ConcurrentDictionary<int, int> CarriedSignals = new();

    /// <summary>The host signal a timer raises when the guest's own cannot travel (one the runner keeps for itself, or
    /// a hardware-fault signal): the last real-time signal, which the runner forwards.</summary>
    internal const int CarrierSignal = Abi.SignalNumber.SIGRTMAX;

    /// <summary>What <see cref="Targets"/> holds for a process-directed timer on the process's CPU-time clock: its
    /// signal goes to the thread that used the CPU (<see cref="CpuTimeSampler"/>).</summary>
    private const int BusiestThread = -1;

    /// <summary>Records what a new timer aims at (replacing what a deleted timer of the same id aimed at).</summary>
    /// <param name="timerId">The host timer id.</param>
    /// <param name="tid">The target thread, or 0 for a process-directed timer (recorded too, so that an exec can delete
    /// it).</param>
    /// <param name="processCpuClock">For a process-directed timer: whether it measures the process's CPU time.</param>
    /// <param name="carriedSignal">The guest's signal when the host timer raises <see cref="CarrierSignal"/> in its
    /// place, else 0.</param>
    internal static void Created(int timerId, int tid, bool processCpuClock, int carriedSignal)
    {
        Targets[timerId] = tid == 0 && processCpuClock ? BusiestThread : tid;
        if (carriedSignal != 0)
        {
            CarriedSignals[timerId] = carriedSignal;
        }
        else
        {
            _ = CarriedSignals.TryRemove(timerId, out _);
        }
    }

    /// <summary>Forgets a deleted timer.</summary>
    /// <param name="timerId">The host timer id.</param>
    internal static void Deleted(int timerId)
    {
        _ = Targets.TryRemove(timerId, out _);
        _ = CarriedSignals.TryRemove(timerId, out _);
    }

    /// <summary>The guest's signal for a timer's host signal: the one it asked for when the host timer carries it in
    /// <see cref="CarrierSignal"/>, else the host signal itself. A carrier from a timer the guest has deleted (it
    /// expired just before the deletion and was still on its way) is dropped, as Linux drops the signal of a deleted
    /// timer: the guest never sees the carrier itself.</summary>
    /// <param name="timerId">The host timer id from the signal.</param>
    /// <param name="hostSignal">The signal the host delivered.</param>
    /// <param name="signal">The signal to deliver to the guest.</param>
    /// <returns>False when the signal is to be dropped.</returns>
    internal static bool TryGetGuestSignal(int timerId, int hostSignal, out int signal)
    {
        signal = hostSignal;
        if (hostSignal != CarrierSignal)
        {
            return true;
        }

        if (CarriedSignals.TryGetValue(timerId, out int carried))
        {
            signal = carried;
            return true;
        }

        return Targets.ContainsKey(timerId);
    }

    /// <summary>The thread a timer's signal is aimed at.</summary>
    /// <param name="timerId">The host timer id from the signal.</param>
    /// <param name="tid">The target thread.</param>
    /// <returns>False for a process-directed timer.</returns>
    internal static bool TryGetTarget(int timerId, out int tid) => Targets.TryGetValue(timerId, out tid) && tid > 0;

    /// <summary>Whether a process-directed timer measures the process's CPU time, so that its signal goes to the
    /// thread that used the CPU.</summary>
    /// <param name="timerId">The host timer id from the signal.</param>
    /// <returns>Whether it does.</returns>
    internal static bool FollowsCpuTime(int timerId) => Targets.TryGetValue(timerId, out int tid) && tid == BusiestThread;

    /// <summary>Deletes every host timer the guest created and did not delete (an <c>execve</c> inside the runner:
    /// Linux's exec deletes the process's POSIX timers; interval timers and <c>alarm</c> stay).</summary>
    internal static void DeleteAll()
    {
        foreach (int timerId in Targets.Keys)
        {
            _ = Interop.HostLinux.Syscall((long)Abi.SyscallNumber.TimerDelete, timerId);
            _ = Targets.TryRemove(timerId, out _);
            _ = CarriedSignals.TryRemove(timerId, out _);
        }
    }
}
