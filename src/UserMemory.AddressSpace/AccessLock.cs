using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.AddressSpace;

/// <summary>
/// A reader-writer lock whose shared side does not make threads fight over one cache line: access scopes are
/// counted in <see cref="SlotCount"/> padded counters, and a thread always uses the same one. Re-entrant on the shared
/// side (per thread, per lock); the exclusive side waits until every counter is zero.
/// </summary>
/// <remarks>
/// <para>Reader: increment its counter (a full fence), then read the writer flag; if a writer is active, undo and
/// wait for it to finish. Writer: take the writer mutex, raise the flag (a full fence), then wait until every counter
/// reads zero. The two fences make it impossible for a reader and a writer both to proceed (Dekker's argument).</para>
/// <para>A nested entry on a thread that already holds the shared side only bumps a thread-local depth: it never
/// waits, so a scope opened inside a scope cannot deadlock against a waiting writer.</para>
/// </remarks>
internal sealed class AccessLock
{
    /// <summary>The number of reader counters.</summary>
    public const int SlotCount = 64;

    [ThreadStatic]
    private static int t_slotPlusOne;

    [ThreadStatic]
    private static AccessLock? t_held;

    [ThreadStatic]
    private static int t_heldDepth;

    [ThreadStatic]
    private static Dictionary<AccessLock, int>? t_moreHeld;

    private static int s_nextSlot;

    private readonly PaddedCounter[] _readers = new PaddedCounter[SlotCount];
    private readonly object _writerGate = new();
    private readonly object _writerDone = new();
    private int _writerActive;

    /// <summary>True when the calling thread holds the shared side of this lock.</summary>
    public bool IsReadHeldByCurrentThread =>
        ReferenceEquals(t_held, this) || (t_moreHeld is { Count: > 0 } more && more.ContainsKey(this));

    /// <summary>Enters the shared side (re-entrant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterRead()
    {
        AccessLock? held = t_held;
        if (ReferenceEquals(held, this))
        {
            t_heldDepth++;
            return;
        }

        if (held is null && t_moreHeld is not { Count: > 0 })
        {
            AcquireShared();
            t_held = this;
            t_heldDepth = 1;
            return;
        }

        EnterReadSlow();
    }

    /// <summary>Leaves the shared side entered by the matching <see cref="EnterRead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ExitRead()
    {
        if (ReferenceEquals(t_held, this))
        {
            int depth = t_heldDepth - 1;
            t_heldDepth = depth;
            if (depth == 0)
            {
                t_held = null;
                ReleaseShared();
            }

            return;
        }

        ExitReadSlow();
    }

    /// <summary>Takes the exclusive side: waits for every reader to leave and keeps new ones out.</summary>
    /// <exception cref="InvalidOperationException">The calling thread holds the shared side (it would wait for
    /// itself forever).</exception>
    public void EnterWrite()
    {
        if (IsReadHeldByCurrentThread)
        {
            throw new InvalidOperationException(
                "The address space cannot be changed from inside an access scope on it: end the scope first.");
        }

        Monitor.Enter(_writerGate);
        Interlocked.Exchange(ref _writerActive, 1);
        for (int i = 0; i < SlotCount; i++)
        {
            SpinWait spin = default;
            while (Volatile.Read(ref _readers[i].Count) != 0)
            {
                spin.SpinOnce(sleep1Threshold: 40);
            }
        }
    }

    /// <summary>Releases the exclusive side.</summary>
    public void ExitWrite()
    {
        Volatile.Write(ref _writerActive, 0);
        lock (_writerDone)
        {
            Monitor.PulseAll(_writerDone);
        }

        Monitor.Exit(_writerGate);
    }

    private static int Slot()
    {
        int slot = t_slotPlusOne - 1;
        if (slot < 0)
        {
            slot = (int)((uint)Interlocked.Increment(ref s_nextSlot) % SlotCount);
            t_slotPlusOne = slot + 1;
        }

        return slot;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterReadSlow()
    {
        Dictionary<AccessLock, int>? more = t_moreHeld;
        if (more is { Count: > 0 } && more.TryGetValue(this, out int depth))
        {
            more[this] = depth + 1;
            return;
        }

        AcquireShared();
        if (t_held is null)
        {
            t_held = this;
            t_heldDepth = 1;
        }
        else
        {
            (t_moreHeld ??= new Dictionary<AccessLock, int>(ReferenceEqualityComparer.Instance))[this] = 1;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExitReadSlow()
    {
        Dictionary<AccessLock, int>? more = t_moreHeld;
        if (more is null || !more.TryGetValue(this, out int depth))
        {
            throw new InvalidOperationException("ExitAccess without a matching EnterAccess on this thread.");
        }

        if (depth > 1)
        {
            more[this] = depth - 1;
        }
        else
        {
            more.Remove(this);
            ReleaseShared();
        }
    }

    private void AcquireShared()
    {
        ref int counter = ref _readers[Slot()].Count;
        while (true)
        {
            Interlocked.Increment(ref counter);
            if (Volatile.Read(ref _writerActive) == 0)
            {
                return;
            }

            Interlocked.Decrement(ref counter);
            lock (_writerDone)
            {
                while (Volatile.Read(ref _writerActive) != 0)
                {
                    Monitor.Wait(_writerDone);
                }
            }
        }
    }

    private void ReleaseShared() => Interlocked.Decrement(ref _readers[Slot()].Count);

    /// <summary>One reader counter alone on its pair of cache lines (adjacent-line prefetch pulls lines in pairs).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public int Count;
    }
}
