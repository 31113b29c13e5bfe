using System;
using System.Collections.Generic;
using System.Threading;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// The baton of one shared Unicorn engine: at most one holder at a time (a thread's CPU running guest code, or the
/// kernel changing the engine's mappings), handed over in FIFO order. Unicorn engines do not execute
/// <c>lock</c>-prefixed instructions atomically against each other, so the threads of one guest process share one
/// engine and take turns on it; a thread outside the engine (in a syscall, blocked or not) does not hold the baton.
/// </summary>
/// <remarks>
/// <para><b>Preemption.</b> A waiter that has waited <see cref="TimeSliceMilliseconds"/> (or at once when it is
/// <c>urgent</c>: a mapping change) asks the holder to leave the engine through the preempt callback, which makes a
/// guest run in progress stop at its next translated block (<c>UnicornMachine</c>'s block hook); the holder's run
/// returns "stopped", it releases the baton, and the first waiter gets it. The request repeats every slice, so one
/// lost in a race with the start of a run costs one more slice at most.</para>
/// <para><b>Lock.</b> <see cref="Gate"/> guards the holder, the queue and whatever state the engine's owner keeps
/// about who is running (the preempt callback runs under it).</para>
/// </remarks>
internal sealed class EngineScheduler
{
    /// <summary>How long a runnable thread waits before it asks the running one to leave the engine.</summary>
    internal const int TimeSliceMilliseconds = 10;

    private readonly Queue<object> _waiting = new();
    private readonly Action _preempt;
    private object? _holder;

    /// <summary>Creates the baton.</summary>
    /// <param name="preempt">Stops the guest run in progress, if any; called under <see cref="Gate"/>.</param>
    internal EngineScheduler(Action preempt) => _preempt = preempt;

    /// <summary>The lock of the baton's state.</summary>
    internal object Gate { get; } = new();

    /// <summary>Takes the baton for <paramref name="holder"/>, waiting for the holders before it.</summary>
    /// <param name="holder">Who takes it (a CPU of the engine, or a maintenance token).</param>
    /// <param name="urgent">Preempt the current holder at once (a mapping change that must apply before the guest
    /// runs on).</param>
    internal void Acquire(object holder, bool urgent)
    {
        lock (Gate)
        {
            if (_holder is null && _waiting.Count == 0)
            {
                _holder = holder;
                return;
            }

            _waiting.Enqueue(holder);
            if (urgent)
            {
                _preempt();
            }

            while (!ReferenceEquals(_holder, holder))
            {
                if (!Monitor.Wait(Gate, TimeSliceMilliseconds) && !ReferenceEquals(_holder, holder))
                {
                    _preempt();
                }
            }
        }
    }

    /// <summary>Hands the baton to the first waiter, or frees it.</summary>
    /// <param name="holder">The current holder.</param>
    /// <exception cref="InvalidOperationException"><paramref name="holder"/> does not hold it (a layer bug).</exception>
    internal void Release(object holder)
    {
        lock (Gate)
        {
            if (!ReferenceEquals(_holder, holder))
            {
                throw new InvalidOperationException("The engine baton was released by a thread that does not hold it.");
            }

            _holder = _waiting.Count > 0 ? _waiting.Dequeue() : null;
            if (_holder is not null)
            {
                Monitor.PulseAll(Gate);
            }
        }
    }
}
