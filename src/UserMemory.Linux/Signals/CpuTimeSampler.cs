using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Aims the signal of a process-wide CPU-time timer at the thread that uses the CPU, as Linux does. Linux checks such
/// timers (<c>ITIMER_PROF</c>, <c>ITIMER_VIRTUAL</c>, a POSIX timer on the process's CPU-time clock) in the timer tick
/// of a running thread, and <c>complete_signal</c> gives the signal to that thread. So the signal lands where the CPU
/// time goes: Go's profiler relies on it to sample C threads (its own threads have per-thread timers), and a process
/// whose main thread sleeps in <c>read</c> or <c>pthread_join</c> gets its <c>SIGPROF</c>s on the workers.
/// </summary>
/// <remarks>
/// <para>The host timer behind the guest's fires in the runner process and reaches the forwarding pump, which knows no
/// tick. Each guest thread runs on the host thread of the same id, so its host CPU clock is its own; the thread that
/// has been busiest lately (the CPU time of the last sample period plus half its previous score) is the one such a
/// tick would most likely have found running. The host timer also counts the runner's own threads, and delivering a
/// signal costs the runner far more than a native handler costs Linux, so one period may end while the busy thread
/// was still taking the previous signal (and so blocking it): the score keeps it the target, and the signal waits on
/// that thread for its handler to return, where natively a tick almost never lands inside a microsecond-long handler.
/// With no thread busy at all, the usual process-directed choice stands.</para>
/// <para>The signal goes to the chosen thread alone (as if thread-directed): left in the shared set, a thread that
/// merely woke from a syscall would take it first. Called by the pump only.</para>
/// </remarks>
internal static class CpuTimeSampler
{
    /// <summary><c>CPUCLOCK_PERTHREAD_MASK</c>: the clock id names a thread, not a process.</summary>
    private const long PerThreadBit = 4;

    /// <summary><c>CPUCLOCK_VIRT</c>: user time only.</summary>
    private const long UserTimeClock = 1;

    /// <summary><c>CPUCLOCK_SCHED</c>: user and system time, as the scheduler counts it.</summary>
    private const long SchedulerClock = 2;

    /// <summary><c>CPUCLOCK_CLOCK_MASK</c>: the low bits that say which CPU clock.</summary>
    private const long ClockKindMask = 3;

    /// <summary>The id bits start above the clock kind and the per-thread bit.</summary>
    private const int IdShift = 3;

    /// <summary><c>CLOCK_PROCESS_CPUTIME_ID</c>.</summary>
    private const long ProcessCpuTimeClock = 2;

    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int TimespecBytes = 16;

    /// <summary>Whether a forwarded signal comes from the process's interval timers on CPU time: <c>SIGPROF</c>
    /// (<c>ITIMER_PROF</c>) or <c>SIGVTALRM</c> (<c>ITIMER_VIRTUAL</c>) sent by the kernel itself.</summary>
    /// <param name="info">The forwarded siginfo.</param>
    /// <returns>Whether it does.</returns>
    internal static bool IsIntervalTimerSignal(in SigInfo info) =>
        info.Code == SignalCode.Kernel && info.Signal is SignalNumber.SIGPROF or SignalNumber.SIGVTALRM;

    /// <summary>Whether a <c>timer_create</c> clock measures a whole process's CPU time
    /// (<c>CLOCK_PROCESS_CPUTIME_ID</c>, or a clock from <c>clock_getcpuclockid</c>).</summary>
    /// <param name="clock">The guest's clock id.</param>
    /// <returns>Whether it does.</returns>
    internal static bool IsProcessCpuClock(long clock) =>
        clock == ProcessCpuTimeClock || (clock < 0 && (clock & PerThreadBit) == 0 && (clock & ClockKindMask) != ClockKindMask);

    /// <summary>Starts the samples afresh when a CPU-time timer is armed: what a thread used before does not make it
    /// the busiest in the timer's first period.</summary>
    /// <param name="group">The process.</param>
    /// <param name="userTimeOnly">The user-time samples (<c>ITIMER_VIRTUAL</c>), else the user-and-system ones.</param>
    internal static void Restart(ThreadGroup group, bool userTimeOnly)
    {
        foreach (Task t in group.LiveTasks())
        {
            long now = Math.Max(0, ThreadCpuTime(t.Tid, userTimeOnly));
            if (userTimeOnly)
            {
                (t.SampledUserTime, t.UserTimeScore) = (now, 0);
            }
            else
            {
                (t.SampledCpuTime, t.CpuTimeScore) = (now, 0);
            }
        }
    }

    /// <summary>The live thread of <paramref name="group"/> that has been the busiest lately, among the threads not
    /// asleep in a host wait when there is one (<see cref="Task.IsSleeping"/>); every thread's sample and score move
    /// on.</summary>
    /// <param name="group">The process.</param>
    /// <param name="userTimeOnly">Count user time only (<c>ITIMER_VIRTUAL</c>).</param>
    /// <returns>The thread, or null when every thread is asleep and none used any CPU lately.</returns>
    internal static Task? Busiest(ThreadGroup group, bool userTimeOnly)
    {
        Task? best = null, bestAwake = null, anyAwake = null;
        long most = 0, mostAwake = -1; // an awake thread wins over a sleeping one even before its time shows
        foreach (Task t in group.LiveTasks())
        {
            if (anyAwake is null && !t.IsSleeping)
            {
                anyAwake = t;
            }

            long now = ThreadCpuTime(t.Tid, userTimeOnly);
            if (now < 0)
            {
                continue;
            }

            long score;
            if (userTimeOnly)
            {
                score = Math.Max(0, now - t.SampledUserTime) + (t.UserTimeScore / 2);
                (t.SampledUserTime, t.UserTimeScore) = (now, score);
            }
            else
            {
                score = Math.Max(0, now - t.SampledCpuTime) + (t.CpuTimeScore / 2);
                (t.SampledCpuTime, t.CpuTimeScore) = (now, score);
            }

            if (score > most)
            {
                best = t;
                most = score;
            }

            if (score > mostAwake && !t.IsSleeping)
            {
                bestAwake = t;
                mostAwake = score;
            }
        }

        return bestAwake ?? anyAwake ?? best;
    }

    /// <summary>A runner thread's CPU time through its per-thread CPU clock (<c>MAKE_THREAD_CPUCLOCK</c>).</summary>
    /// <returns>Nanoseconds, or -1 when the thread is gone.</returns>
    private static long ThreadCpuTime(int tid, bool userTimeOnly)
    {
        long clock = (~(long)tid << IdShift) | PerThreadBit | (userTimeOnly ? UserTimeClock : SchedulerClock);
        Span<byte> time = stackalloc byte[TimespecBytes];
        if (HostLinux.Syscall((long)SyscallNumber.ClockGettime, time, 1, [clock, 0]) != 0)
        {
            return -1;
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(time) * NanosecondsPerSecond) + BinaryPrimitives.ReadInt64LittleEndian(time[sizeof(long)..]);
    }
}
