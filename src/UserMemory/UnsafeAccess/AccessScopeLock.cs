using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.UnsafeAccess;

/// <summary>
/// The reader-writer lock an address space can use for its access scopes (<see cref="IUserAddressSpace.EnterAccess"/>
/// is its shared side; map, unmap and protect take its exclusive side). Handed to the core through
/// <see cref="IUserAddressSpace.ScopeLock"/>, it lets a <see cref="UserAccess"/> scope enter and leave the shared side
/// inline, with no interface call and with the per-thread state the scope loads anyway.
/// </summary>
/// <remarks>
/// <para><b>Fast path (asymmetric Dekker).</b> A reader costs a plain store to enter and one to leave, and a load: no
/// atomic instruction, no shared cache line. Every thread owns one per-thread record (the same object that tracks its
/// <see cref="UserAccessContext"/> depth and scope owners), registered once. A reader publishes "I hold this lock" in its
/// record (a plain store of one word: the lock's number and its nesting depth, 1), then reads the writer flag; if a writer is active, it withdraws and
/// waits. A writer raises the flag, then runs <see cref="Interlocked.MemoryBarrierProcessWide"/> (a full barrier on
/// every processor, Linux's <c>membarrier</c>), then waits until no record names the lock. The process-wide barrier
/// stands in for the reader's fence: either the reader's store is visible to the writer's scan, or the reader's later
/// load sees the flag. Writers pay a few microseconds for it; scopes, far more frequent, pay nothing. This is the same
/// trade as Linux's per-CPU rw-semaphore.</para>
/// <para><b>Slow path.</b> A thread that already holds another lock through its record counts this one in
/// <see cref="SlotCount"/> padded counters with full fences (the symmetric Dekker: increment, then read the flag; the
/// writer raises the flag with a full fence, then waits for every counter to read zero).</para>
/// <para>A nested entry on a thread that already holds the shared side only bumps a per-thread depth: it never waits,
/// so a scope opened inside a scope cannot deadlock against a waiting writer. Records of threads that have exited are
/// reused by new threads.</para>
/// <para>Contract for an address space returning it from <see cref="IUserAddressSpace.ScopeLock"/>: its
/// <see cref="IUserAddressSpace.EnterAccess"/> and <see cref="IUserAddressSpace.ExitAccess"/> are exactly
/// <see cref="EnterRead()"/> and <see cref="ExitRead()"/> on this lock, and it takes <see cref="EnterWrite"/> around every
/// change a scope must hold off. The core then enters the lock directly instead of calling them.</para>
/// </remarks>
public sealed class AccessScopeLock
{
    /// <summary>The number of reader counters of the slow path.</summary>
    private const int SlotCount = 64;

    /// <summary>The low bits of <see cref="ScopeClaims.Held"/> that count the nesting depth; the lock's number sits above them.</summary>
    private const int DepthBits = 32;

    /// <summary>The highest depth minus one that the record's word can count (deeper entries take the slow path).</summary>
    private const ulong MaxNestedDepth = (1UL << DepthBits) - 2;

    private static long s_lastId;

    [ThreadStatic]
    private static int t_slotPlusOne;

    private static int s_nextSlot;

    private readonly PaddedCounter[] _readers = new PaddedCounter[SlotCount];
    private readonly object _writerGate = new();
    private readonly object _writerDone = new();

    /// <summary>What a record holding this lock once says: <see cref="ScopeClaims.Held"/> for depth 1.</summary>
    private readonly long _heldOnce;
    private int _writerActive;

    /// <summary>Creates the lock.</summary>
    public AccessScopeLock() => _heldOnce = (NewId() << DepthBits) | 1;

    /// <summary>True when the calling thread holds the shared side of this lock.</summary>
    public bool IsReadHeldByCurrentThread =>
        ScopeClaims.Existing is { } record
        && (HeldBy(record) || (record.MoreHeld is { Count: > 0 } more && more.ContainsKey(this)));

    /// <summary>Enters the shared side (re-entrant).</summary>
    public void EnterRead() => EnterRead(ScopeClaims.Current);

    /// <summary>Leaves the shared side entered by the matching <see cref="EnterRead()"/>.</summary>
    /// <exception cref="InvalidOperationException">The calling thread does not hold the shared side.</exception>
    public void ExitRead() => ExitRead(ScopeClaims.Current);

    /// <summary><see cref="EnterRead()"/> with the calling thread's record already loaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void EnterRead(ScopeClaims record)
    {
        long held = record.Held;
        if (held == 0 && record.MoreHeld is null)
        {
            Volatile.Write(ref record.Held, _heldOnce);
            if (Volatile.Read(ref _writerActive) == 0)
            {
                return;
            }

            Volatile.Write(ref record.Held, 0); // a writer is active: withdraw, then wait below
        }
        else if ((ulong)(held - _heldOnce) < MaxNestedDepth)
        {
            record.Held = held + 1; // nested on this lock: one more level (the lock number is unchanged)
            return;
        }

        EnterReadSlow(record);
    }

    /// <summary><see cref="ExitRead()"/> with the calling thread's record already loaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ExitRead(ScopeClaims record)
    {
        long held = record.Held;
        ulong level = (ulong)(held - _heldOnce); // the depth minus one when the record holds this lock
        if (level <= MaxNestedDepth)
        {
            Volatile.Write(ref record.Held, level == 0 ? 0 : held - 1);
            return;
        }

        ExitReadSlow(record);
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

        foreach (ScopeClaims record in ScopeClaims.Registered)
        {
            SpinWait spin = default;
            while (HeldBy(record))
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

    /// <summary>Whether <paramref name="record"/> holds this lock through its word (at any depth).</summary>
    private bool HeldBy(ScopeClaims record) => (ulong)(Volatile.Read(ref record.Held) - _heldOnce) <= MaxNestedDepth;

    /// <summary>A new lock number, small enough that the number and a depth share one word.</summary>
    private static long NewId()
    {
        long id = Interlocked.Increment(ref s_lastId);
        return id < (1L << (63 - DepthBits)) ? id : throw new InvalidOperationException("Too many access scope locks in this process.");
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
    private void EnterReadSlow(ScopeClaims record)
    {
        Dictionary<AccessScopeLock, int>? more = record.MoreHeld;
        if (more is not null && more.TryGetValue(this, out int depth))
        {
            more[this] = depth + 1;
            return;
        }

        if (record.Held == 0 && more is null)
        {
            AcquireThroughRecord(record);
            return;
        }

        AcquireShared();
        (record.MoreHeld ??= new Dictionary<AccessScopeLock, int>(ReferenceEqualityComparer.Instance))[this] = 1;
    }

    /// <summary>The record path, waiting for an active writer to finish.</summary>
    private void AcquireThroughRecord(ScopeClaims record)
    {
        while (true)
        {
            Volatile.Write(ref record.Held, _heldOnce);
            if (Volatile.Read(ref _writerActive) == 0)
            {
                return;
            }

            Volatile.Write(ref record.Held, 0);
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExitReadSlow(ScopeClaims record)
    {
        Dictionary<AccessScopeLock, int>? more = record.MoreHeld;
        if (more is null || !more.TryGetValue(this, out int depth))
        {
            throw new InvalidOperationException("ExitAccess without a matching EnterAccess on this thread.");
        }

        if (depth > 1)
        {
            more[this] = depth - 1;
            return;
        }

        more.Remove(this);
        if (more.Count == 0)
        {
            record.MoreHeld = null; // keeps the fast path's test a single null check
        }

        ReleaseShared();
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

    /// <summary>One reader counter alone on its pair of cache lines (adjacent-line prefetch pulls lines in pairs).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public int Count;
    }
}
