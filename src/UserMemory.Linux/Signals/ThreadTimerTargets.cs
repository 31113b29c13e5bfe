using System.Collections.Concurrent;

namespace UserMemory.Linux.Signals;

/// <summary>
/// The host POSIX timers the guest created, and the guest threads that <c>SIGEV_THREAD_ID</c> timers aim at. The host timer behind such a timer notifies the
/// runner process (<c>SIGEV_SIGNAL</c>): a signal aimed at a runner thread would stay pending there, blocked, where
/// the forwarding <c>signalfd</c> cannot read it. When the forwarded signal arrives, its timer id names the guest
/// thread it goes to, as Linux would deliver it (Go's CPU profiler counts a per-thread CPU-time timer's
/// <c>SIGPROF</c> only on the thread whose time it measures).
/// <para>Such a timer notifies the runner with <see cref="TransportSignal"/>, a real-time signal, not with the guest's
/// own: on Linux each thread's timer signal is pending on its own thread, so it never merges with another thread's or
/// with the process-wide one, but in the runner's one process-wide pending set two pending <c>SIGPROF</c>s are one.
/// Go arms <c>setitimer(ITIMER_PROF)</c> next to a per-thread timer on every thread, at the same rate: the two
/// expiries coincided and about half of the per-thread samples were lost. Real-time signals queue one per timer, and
/// the guest's own signal number is restored when the signal is forwarded.</para>
/// </summary>
/// <remarks>Timer ids are the host's and belong to this runner process (one guest thread group), so one table per
/// process is enough; a timer whose thread has exited falls back to process-directed delivery.</remarks>
internal static class ThreadTimerTargets
{
    /// <summary>The host signal a thread-directed timer notifies the runner with (SIGRTMAX - 3; forwarded, so it is
    /// blocked in every runner thread and read by the forwarding <c>signalfd</c>). A guest's own use of this number is
    /// unaffected: only a timer signal whose timer id is a thread-directed timer's is translated.</summary>
    internal const int TransportSignal = 61;

    private static readonly ConcurrentDictionary<int, Target> Targets = new();

    /// <summary>What <see cref="Targets"/> holds for a process-directed timer on the process's CPU-time clock: its
    /// signal goes to the thread that used the CPU (<see cref="CpuTimeSampler"/>).</summary>
    private const int BusiestThread = -1;

    /// <summary>Records what a new timer aims at (replacing what a deleted timer of the same id aimed at).</summary>
    /// <param name="timerId">The host timer id.</param>
    /// <param name="tid">The target thread, or 0 for a process-directed timer (recorded too, so that an exec can delete
    /// it).</param>
    /// <param name="processCpuClock">For a process-directed timer: whether it measures the process's CPU time.</param>
    /// <param name="guestSignal">The signal the guest asked for (what a thread-directed timer's
    /// <see cref="TransportSignal"/> becomes again).</param>
    internal static void Created(int timerId, int tid, bool processCpuClock, int guestSignal) =>
        Targets[timerId] = new Target(tid == 0 && processCpuClock ? BusiestThread : tid, guestSignal);

    /// <summary>Forgets a deleted timer.</summary>
    /// <param name="timerId">The host timer id.</param>
    internal static void Deleted(int timerId) => _ = Targets.TryRemove(timerId, out _);

    /// <summary>The thread a timer's signal is aimed at, and the guest's signal number for it.</summary>
    /// <param name="timerId">The host timer id from the signal.</param>
    /// <param name="tid">The target thread.</param>
    /// <param name="guestSignal">The signal to deliver.</param>
    /// <returns>False for a process-directed timer.</returns>
    internal static bool TryGetTarget(int timerId, out int tid, out int guestSignal)
    {
        bool found = Targets.TryGetValue(timerId, out Target target) && target.Tid > 0;
        tid = target.Tid;
        guestSignal = target.GuestSignal;
        return found;
    }

    /// <summary>Whether a process-directed timer measures the process's CPU time, so that its signal goes to the
    /// thread that used the CPU.</summary>
    /// <param name="timerId">The host timer id from the signal.</param>
    /// <returns>Whether it does.</returns>
    internal static bool FollowsCpuTime(int timerId) => Targets.TryGetValue(timerId, out Target target) && target.Tid == BusiestThread;

    /// <summary>Deletes every host timer the guest created and did not delete (an <c>execve</c> inside the runner:
    /// Linux's exec deletes the process's POSIX timers; interval timers and <c>alarm</c> stay).</summary>
    internal static void DeleteAll()
    {
        foreach (int timerId in Targets.Keys)
        {
            _ = Interop.HostLinux.Syscall((long)Abi.SyscallNumber.TimerDelete, timerId);
            _ = Targets.TryRemove(timerId, out _);
        }
    }

    /// <summary>What a timer aims at: a thread id (0 for the process, <see cref="BusiestThread"/> for the thread
    /// using the CPU) and the guest's signal.</summary>
    private readonly record struct Target(int Tid, int GuestSignal);
}
