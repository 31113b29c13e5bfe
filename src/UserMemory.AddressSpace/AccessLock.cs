using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.AddressSpace;

/// <summary>
/// A reader-writer lock whose shared side costs a reader two plain stores and a load: no atomic instruction, no shared
/// cache line. Re-entrant on the shared side (per thread, per lock); the exclusive side waits until no thread holds it.
/// </summary>
/// <remarks>
/// <para><b>Fast path (asymmetric Dekker).</b> Every thread owns one <see cref="ReaderRecord"/>, registered once. A
/// reader publishes "I hold this lock" in its record (a plain store), then reads the writer flag; if a writer is
/// active, it withdraws and waits. A writer raises the flag, then runs
/// <see cref="Interlocked.MemoryBarrierProcessWide"/> (a full barrier on every processor, Linux's <c>membarrier</c>),
/// then waits until no record names the lock. The process-wide barrier stands in for the reader's fence: either the
/// reader's store is visible to the writer's scan, or the reader's later load sees the flag. Writers (map, unmap,
/// protect) pay a few microseconds for it; scopes, far more frequent, pay nothing. This is the same trade as Linux's
/// per-CPU rw-semaphore.</para>
/// <para><b>Slow path.</b> A thread that already holds another lock through its record counts this one in
/// <see cref="SlotCount"/> padded counters with full fences (the original symmetric Dekker: increment, then read the
/// flag; the writer raises the flag with a full fence, then waits for every counter to read zero).</para>
/// <para>Records of threads that have exited are reused by new threads, so a guest that creates threads in a loop does
/// not grow the registry beyond the number of threads alive at once.</para>
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
    private static ReaderRecord? t_record;

    private static readonly object s_registryGate = new();
    private static ReaderRecord[] s_records = [];

    [ThreadStatic]
    private static Dictionary<AccessLock, int>? t_moreHeld;

    private static int s_nextSlot;

    private readonly PaddedCounter[] _readers = new PaddedCounter[SlotCount];
    private readonly object _writerGate = new();
    private readonly object _writerDone = new();
    private int _writerActive;

    /// <summary>True when the calling thread holds the shared side of this lock.</summary>
    public bool IsReadHeldByCurrentThread =>
        ReferenceEquals(t_record?.Held, this) || (t_moreHeld is { Count: > 0 } more && more.ContainsKey(this));

    /// <summary>Enters the shared side (re-entrant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterRead()
    {
        ReaderRecord? record = t_record;
        if (record is not null)
        {
            AccessLock? held = record.Held;
            if (ReferenceEquals(held, this))
            {
                record.Depth++;
                return;
            }

            if (held is null && t_moreHeld is not { Count: > 0 })
            {
                Volatile.Write(ref record.Held, this);
                if (Volatile.Read(ref _writerActive) == 0)
                {
                    record.Depth = 1;
                    return;
                }

                Volatile.Write(ref record.Held, null); // a writer is active: withdraw, then wait below
            }
        }

        EnterReadSlow();
    }

    /// <summary>Leaves the shared side entered by the matching <see cref="EnterRead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ExitRead()
    {
        ReaderRecord? record = t_record;
        if (record is not null && ReferenceEquals(record.Held, this))
        {
            int depth = record.Depth - 1;
            record.Depth = depth;
            if (depth == 0)
            {
                Volatile.Write(ref record.Held, null);
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
        Interlocked.MemoryBarrierProcessWide(); // every reader's record store is now visible, or it will see the flag
        for (int i = 0; i < SlotCount; i++)
        {
            SpinWait spin = default;
            while (Volatile.Read(ref _readers[i].Count) != 0)
            {
                spin.SpinOnce(sleep1Threshold: 40);
            }
        }

        foreach (ReaderRecord record in Volatile.Read(ref s_records))
        {
            SpinWait spin = default;
            while (ReferenceEquals(Volatile.Read(ref record.Held), this))
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
        ReaderRecord record = t_record ?? Register();
        Dictionary<AccessLock, int>? more = t_moreHeld;
        if (more is { Count: > 0 } && more.TryGetValue(this, out int depth))
        {
            more[this] = depth + 1;
            return;
        }

        if (record.Held is null && more is not { Count: > 0 })
        {
            AcquireThroughRecord(record);
            return;
        }

        AcquireShared();
        (t_moreHeld ??= new Dictionary<AccessLock, int>(ReferenceEqualityComparer.Instance))[this] = 1;
    }

    /// <summary>The record path, waiting for an active writer to finish.</summary>
    private void AcquireThroughRecord(ReaderRecord record)
    {
        while (true)
        {
            Volatile.Write(ref record.Held, this);
            if (Volatile.Read(ref _writerActive) == 0)
            {
                record.Depth = 1;
                return;
            }

            Volatile.Write(ref record.Held, null);
            WaitForWriter();
        }
    }

    private void WaitForWriter()
    {
        lock (_writerDone)
        {
            while (Volatile.Read(ref _writerActive) != 0)
            {
                Monitor.Wait(_writerDone);
            }
        }
    }

    /// <summary>Gives the calling thread its record: a free one left by an exited thread, or a new one.</summary>
    private static ReaderRecord Register()
    {
        lock (s_registryGate)
        {
            Thread self = Thread.CurrentThread;
            foreach (ReaderRecord candidate in s_records)
            {
                if (!candidate.Owner.IsAlive && Volatile.Read(ref candidate.Held) is null)
                {
                    candidate.Owner = self;
                    candidate.Depth = 0;
                    t_record = candidate;
                    return candidate;
                }
            }

            var record = new ReaderRecord(self);
            ReaderRecord[] grown = new ReaderRecord[s_records.Length + 1];
            s_records.CopyTo(grown, 0);
            grown[^1] = record;
            Volatile.Write(ref s_records, grown);
            t_record = record;
            return record;
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
            WaitForWriter();
        }
    }

    private void ReleaseShared() => Interlocked.Decrement(ref _readers[Slot()].Count);

    /// <summary>One thread's shared-side state: which lock it holds through the fast path, and how deeply. Written only
    /// by its owner; read by writers. Alone on its pair of cache lines, so two threads' records never share one.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private sealed class ReaderRecord(Thread owner)
    {
        private readonly PaddedCounter _before;

        /// <summary>The lock held through this record, or null.</summary>
        public AccessLock? Held;

        /// <summary>The nesting depth on <see cref="Held"/>.</summary>
        public int Depth;

        /// <summary>The thread that owns the record now.</summary>
        public Thread Owner = owner;

        private readonly PaddedCounter _after;
    }

    /// <summary>One reader counter alone on its pair of cache lines (adjacent-line prefetch pulls lines in pairs).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public int Count;
    }
}
