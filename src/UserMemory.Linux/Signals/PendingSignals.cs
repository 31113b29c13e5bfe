using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Signals;

/// <summary>
/// One pending set with its siginfo, as Linux keeps it per task (thread-directed) and per thread group
/// (process-directed): a standard signal (1..31) is pending at most once (a second one is merged), a real-time
/// signal queues every instance in order. The caller serialises access (<see cref="GroupSignals.Lock"/>);
/// <see cref="Set"/> may be read without the lock.
/// </summary>
internal sealed class PendingSignals
{
    /// <summary>The most queued instances (Linux's RLIMIT_SIGPENDING plays this role); more real-time signals are
    /// refused (sigqueue answers EAGAIN).</summary>
    internal const int MaxQueued = 1024;

    /// <summary>The synchronous signals Linux dequeues first (<c>SYNCHRONOUS_MASK</c>).</summary>
    private static readonly ulong SynchronousMask = SignalNumber.Bit(SignalNumber.SIGSEGV) | SignalNumber.Bit(SignalNumber.SIGBUS)
        | SignalNumber.Bit(SignalNumber.SIGILL) | SignalNumber.Bit(SignalNumber.SIGTRAP) | SignalNumber.Bit(SignalNumber.SIGFPE)
        | SignalNumber.Bit(SignalNumber.SIGSYS);

    private readonly List<SigInfo> _entries = new();
    private ulong _set;

    /// <summary>Called (under the group's lock) after the set changed: keeps signalfd readiness in step
    /// (<see cref="SignalFdReadiness"/>).</summary>
    internal Action? Changed { get; set; }

    /// <summary>The pending signals as a mask (bit N-1 for signal N).</summary>
    internal ulong Set => Volatile.Read(ref _set);

    /// <summary>Adds one instance.</summary>
    /// <param name="info">Its siginfo (<see cref="SigInfo.Signal"/> in 1..64).</param>
    /// <returns>False when it was merged into a pending standard signal or the queue is full.</returns>
    internal bool Add(in SigInfo info)
    {
        ulong bit = SignalNumber.Bit(info.Signal);
        if ((info.Signal < SignalNumber.SIGRTMIN && (_set & bit) != 0) || MergeTimerExpiry(info) || _entries.Count >= MaxQueued)
        {
            return false;
        }

        _entries.Add(info);
        Volatile.Write(ref _set, _set | bit);
        Changed?.Invoke();
        return true;
    }

    /// <summary>A POSIX timer's signal is pending at most once (Linux preallocates one sigqueue entry per timer): a
    /// further expiry while it is pending counts as an overrun of the pending one instead of queueing another, even
    /// for a real-time signal. Without this, a fast timer would fill the queue faster than the guest can take it.</summary>
    /// <param name="info">The arriving signal.</param>
    /// <returns>True when it was merged.</returns>
    private bool MergeTimerExpiry(in SigInfo info)
    {
        if (info.Code != SignalCode.Timer)
        {
            return false;
        }

        for (int i = 0; i < _entries.Count; i++)
        {
            SigInfo pending = _entries[i];
            if (pending.Signal == info.Signal && pending.Code == SignalCode.Timer && pending.TimerId == info.TimerId)
            {
                long overrun = (long)pending.Overrun + info.Overrun + 1;
                pending.Overrun = (int)Math.Min(overrun, int.MaxValue);
                _entries[i] = pending;
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes the oldest instance of <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="info">Its siginfo.</param>
    /// <returns>False when it was not pending.</returns>
    internal bool TryTake(int signal, out SigInfo info)
    {
        info = default;
        int found = -1;
        bool more = false;
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Signal != signal)
            {
                continue;
            }

            if (found < 0)
            {
                found = i;
            }
            else
            {
                more = true;
                break;
            }
        }

        if (found < 0)
        {
            return false;
        }

        info = _entries[found];
        _entries.RemoveAt(found);
        if (!more)
        {
            Volatile.Write(ref _set, _set & ~SignalNumber.Bit(signal));
            Changed?.Invoke();
        }

        return true;
    }

    /// <summary>Drops every instance of <paramref name="signal"/> (it became ignored).</summary>
    /// <param name="signal">The signal.</param>
    internal void Discard(int signal)
    {
        while (TryTake(signal, out _))
        {
        }
    }

    /// <summary>The signal Linux dequeues first from <paramref name="candidates"/>: the lowest synchronous one, else the
    /// lowest number.</summary>
    /// <param name="candidates">Pending and not blocked.</param>
    /// <returns>The signal, or 0 when the mask is empty.</returns>
    internal static int Next(ulong candidates)
    {
        if (candidates == 0)
        {
            return 0;
        }

        ulong synchronous = candidates & SynchronousMask;
        ulong pick = synchronous != 0 ? synchronous : candidates;
        return System.Numerics.BitOperations.TrailingZeroCount(pick) + 1;
    }
}
