using System;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// The thread a pending process-directed signal was aimed at, for the signals Linux aims: a process CPU-time timer's
/// (<c>ITIMER_PROF</c>, <c>ITIMER_VIRTUAL</c>, a POSIX timer on the process's CPU clock) goes to the shared pending
/// set, and <c>complete_signal</c> wakes only the thread whose tick found the expiry, the one using the CPU. Other
/// threads do not see it: only the chosen one has <c>TIF_SIGPENDING</c>, so a thread asleep in a blocking call is
/// neither interrupted nor handed the signal. Here every waiting thread looks at the shared set, so the aim is kept
/// and the other threads skip the signal while it holds.
/// </summary>
/// <remarks>An aim lasts <see cref="HoldMilliseconds"/>: the aimed thread is stopped at once and normally takes the
/// signal within microseconds (on a loaded host, within a scheduling delay); if it cannot (it exited, or blocked the signal), the signal becomes everyone's, as
/// Linux retargets a shared signal then. Only an aim's expiry or its thread's exit is checked, so a later unaimed
/// signal of the same number that merges with an aimed one waits at most that long for the others.</remarks>
internal sealed class SignalAim
{
    /// <summary>How long an aim holds.</summary>
    private const long HoldMilliseconds = 200;

    private readonly Task?[] _targets = new Task?[SignalNumber.SIGRTMAX + 1];
    private readonly long[] _expiries = new long[SignalNumber.SIGRTMAX + 1];
    private ulong _aimed;

    /// <summary>Aims <paramref name="signal"/> at <paramref name="target"/> (call under the group's signal lock).</summary>
    /// <param name="signal">The signal, now pending in the shared set.</param>
    /// <param name="target">The thread chosen to take it.</param>
    internal void Set(int signal, Task target)
    {
        Volatile.Write(ref _expiries[signal], Environment.TickCount64 + HoldMilliseconds);
        Volatile.Write(ref _targets[signal], target);
        _ = Interlocked.Or(ref _aimed, SignalNumber.Bit(signal));
    }

    /// <summary>Drops the aim of <paramref name="signal"/> (an unaimed one of the same number was sent, or it was taken).</summary>
    /// <param name="signal">The signal.</param>
    internal void Clear(int signal)
    {
        if ((Volatile.Read(ref _aimed) & SignalNumber.Bit(signal)) != 0)
        {
            _ = Interlocked.And(ref _aimed, ~SignalNumber.Bit(signal));
            Volatile.Write(ref _targets[signal], null);
        }
    }

    /// <summary>Drops every aim at <paramref name="task"/>, a thread that exited.</summary>
    /// <param name="task">The thread.</param>
    /// <returns>True when one was dropped (the other threads must look again).</returns>
    internal bool DropAimsAt(Task task)
    {
        bool dropped = false;
        ulong bits = Volatile.Read(ref _aimed);
        for (int s = 1; bits != 0 && s <= SignalNumber.SIGRTMAX; s++)
        {
            if ((bits & SignalNumber.Bit(s)) != 0 && ReferenceEquals(Volatile.Read(ref _targets[s]), task))
            {
                Clear(s);
                dropped = true;
            }
        }

        return dropped;
    }

    /// <summary>The signals aimed at another thread than <paramref name="t"/> whose aim still holds: <paramref name="t"/>
    /// neither wakes for them nor takes them.</summary>
    /// <param name="t">The thread looking at the shared set.</param>
    /// <returns>The signal mask to leave out.</returns>
    internal ulong HiddenFrom(Task t)
    {
        ulong bits = Volatile.Read(ref _aimed);
        if (bits == 0)
        {
            return 0;
        }

        ulong hidden = 0;
        long now = Environment.TickCount64;
        for (int s = 1; s <= SignalNumber.SIGRTMAX; s++)
        {
            ulong bit = SignalNumber.Bit(s);
            if ((bits & bit) == 0)
            {
                continue;
            }

            Task? target = Volatile.Read(ref _targets[s]);
            if (target is not null && !ReferenceEquals(target, t) && now < Volatile.Read(ref _expiries[s]) && (target.SignalMask & bit) == 0)
            {
                hidden |= bit;
            }
        }

        return hidden;
    }
}
