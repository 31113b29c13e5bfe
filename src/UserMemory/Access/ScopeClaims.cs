using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory;

/// <summary>
/// The calling thread's scope state in one object (so that a scope costs one thread-static load): the
/// <see cref="UserAccessContext"/> depth, and which variable owns each open <see cref="UserAccess"/> scope, the record
/// that lets a scope tell itself apart from a copy of itself.
/// </summary>
/// <remarks>
/// <para>A struct copy carries the same field values as its original, so identity has to come from outside the
/// struct. Scopes nest strictly on a thread, so the scope entered at context depth <c>d</c> owns slot <c>d</c>. The
/// slot is one word: the scope's tag while nobody owns it (an odd number never reused on the thread, so a stale copy
/// of an ended scope never matches a live one), then the address of the variable that first used the scope by
/// reference (a borrow, <see cref="UserAccess.Dispose"/>; even, being a stack address): that variable is the owner,
/// and any other variable holding the same tag is a copy. 0 when no scope is open at that depth.</para>
/// <para>Addresses are compared, never dereferenced; a ref struct lives on the stack, so the address of a variable
/// does not change while the scope is open.</para>
/// <para>It is also the thread's reader record for <see cref="UnsafeAccess.AccessScopeLock"/> (<see cref="Held"/>), so that a scope on a space using that lock loads one thread-static object for the scope
/// table and the lock together, once at entry (the scope keeps it for its exit). Every record is registered in
/// <see cref="Registered"/> for the lock's writers to scan; a record of a thread that has exited is reused.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal sealed class ScopeClaims
{
    /// <summary>Scope depths whose claims live inside the record (<see cref="_inline"/>).</summary>
    private const int InlineSlots = 16;

    /// <summary>The low bit of a claim word: set in a scope's tag (open, nobody owns it yet), clear in an owner's
    /// address (a stack address, so at least 8-aligned).</summary>
    private const ulong UnclaimedBit = 1;

    private static readonly object s_registryGate = new();
    private static ScopeClaims[] s_registered = [];

    [ThreadStatic]
    private static ScopeClaims? t_current;

    /// <summary>Keeps the written fields below off the cache lines of whatever the heap placed before this object.</summary>
    private readonly CacheLinePair _before;

    /// <summary>The <see cref="UnsafeAccess.AccessScopeLock"/> this thread holds through its record, in one word: the
    /// lock's number in the high bits and the nesting depth (at least 1) in the low bits; 0 when it holds none. One
    /// word, so that entering and leaving are one store each. Written only by the owning thread; read by writers of
    /// that lock.</summary>
    public long Held;

    /// <summary>Further locks held at once (the lock's slow path), or null when there are none.</summary>
    public Dictionary<UnsafeAccess.AccessScopeLock, int>? MoreHeld;

    /// <summary>The claims of the first <see cref="InlineSlots"/> depths, inside the record: a scope reaches its slot
    /// with no array load and no bounds check beyond one compare of the depth.</summary>
    private InlineClaims _inline;

    /// <summary>The claims of deeper scopes (depth <see cref="InlineSlots"/> and above), or null until one opens.</summary>
    private nint[]? _deeper;

    /// <summary>The last tag handed out: odd, and growing by two per scope.</summary>
    private ulong _lastTag = UnclaimedBit;
    private Thread _owner;

    /// <summary>Keeps the written fields above off the cache lines of whatever the heap places after this object.</summary>
    private readonly CacheLinePair _after;

    private ScopeClaims(Thread owner) => _owner = owner;

    /// <summary>The calling thread's state: one thread-static load, then plain fields.</summary>
    public static ScopeClaims Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    /// <summary>The calling thread's state if it has one (never allocates).</summary>
    public static ScopeClaims? Existing => t_current;

    /// <summary>Every thread's record, for the writers of <see cref="UnsafeAccess.AccessScopeLock"/> to scan.</summary>
    public static ScopeClaims[] Registered => Volatile.Read(ref s_registered);

    /// <summary>The calling thread's <see cref="UserAccessContext"/> depth when it has a state, else 0 (never allocates).</summary>
    public static int CurrentDepth => t_current?.Depth ?? 0;

    /// <summary>How many scopes (<see cref="UserAccess"/> and <see cref="UserAccessContext.Scope"/>) the thread is in.</summary>
    public int Depth;

    /// <summary>Enters <see cref="UserAccessContext"/> and records a new, unowned scope there.</summary>
    /// <param name="tag">The new scope's tag: an odd number never used before on this thread.</param>
    /// <returns>The depth before entering, which is the scope's slot.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Open(out ulong tag)
    {
        int depth = Depth;
        Depth = depth + 1;
        tag = _lastTag += 2;
        if ((uint)depth < InlineSlots)
        {
            Unsafe.Add(ref _inline.First, depth) = (nint)tag;
        }
        else
        {
            OpenSlow(depth, tag);
        }

        return depth;
    }

    /// <summary>Makes <paramref name="home"/> the owner of the scope <paramref name="tag"/> at
    /// <paramref name="depth"/> if nobody owns it yet.</summary>
    /// <returns>Owned when <paramref name="home"/> owns it now; Copy when another variable does; Ended when the scope is
    /// no longer open.</returns>
    public ClaimResult TryClaim(int depth, ulong tag, nint home)
    {
        ref nint slot = ref SlotAt(depth);
        if (Unsafe.IsNullRef(ref slot) || Depth <= depth)
        {
            return ClaimResult.Ended;
        }

        ulong word = (ulong)slot;
        if (word == tag)
        {
            slot = home;
            return ClaimResult.Owned;
        }

        if (word == (ulong)home)
        {
            return ClaimResult.Owned;
        }

        // Another open scope's tag (this one ended and its depth was reused), no scope, or another owner's address.
        return (word & UnclaimedBit) != 0 || word == 0 ? ClaimResult.Ended : ClaimResult.Copy;
    }

    /// <summary>Ends the scope <paramref name="tag"/> at <paramref name="depth"/> if nobody owns it yet (it was never
    /// used by reference: the caller, disposing it, is its first and only user, so it is the owner) and restores the
    /// context depth; false, changing nothing, otherwise (then claim it, and <see cref="Close"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCloseUnowned(int depth, ulong tag)
    {
        if ((uint)depth < InlineSlots && Depth > depth)
        {
            ref nint slot = ref Unsafe.Add(ref _inline.First, depth);
            if ((ulong)slot == tag)
            {
                slot = 0;
                Depth = depth;
                return true;
            }
        }

        return false; // including every scope deeper than InlineSlots: the caller's slow path handles it
    }

    /// <summary>Ends the scope at <paramref name="depth"/> owned by <paramref name="home"/>: marks its slot free, so no
    /// copy of it can claim it later, and restores the context depth to <paramref name="depth"/>. When the table no
    /// longer holds that scope (an enclosing scope was ended first, out of order), it changes nothing: the slot and the
    /// depth may belong to scopes opened since.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Close(int depth, nint home)
    {
        ref nint slot = ref SlotAt(depth);
        if (!Unsafe.IsNullRef(ref slot) && Depth > depth && slot == home)
        {
            slot = 0;
            Depth = depth;
        }
    }

    /// <summary>The claim slot of <paramref name="depth"/>, or a null reference when none was ever made for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref nint SlotAt(int depth)
    {
        if ((uint)depth < InlineSlots)
        {
            return ref Unsafe.Add(ref _inline.First, depth);
        }

        nint[]? deeper = _deeper;
        int index = depth - InlineSlots;
        if (deeper is null || (uint)index >= (uint)deeper.Length)
        {
            return ref Unsafe.NullRef<nint>();
        }

        return ref deeper[index];
    }

    /// <summary>Gives the calling thread its record: a free one left by an exited thread, or a new, registered one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ScopeClaims Create()
    {
        lock (s_registryGate)
        {
            Thread self = Thread.CurrentThread;
            foreach (ScopeClaims candidate in s_registered)
            {
                if (!candidate._owner.IsAlive && Volatile.Read(ref candidate.Held) == 0 && candidate.MoreHeld is null)
                {
                    candidate._owner = self;
                    candidate.Depth = 0;
                    return t_current = candidate;
                }
            }

            var record = new ScopeClaims(self);
            ScopeClaims[] grown = new ScopeClaims[s_registered.Length + 1];
            s_registered.CopyTo(grown, 0);
            grown[^1] = record;
            Volatile.Write(ref s_registered, grown);
            return t_current = record;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OpenSlow(int depth, ulong tag)
    {
        int index = depth - InlineSlots;
        if (_deeper is null || index >= _deeper.Length)
        {
            Array.Resize(ref _deeper, Math.Max(index + 1, (_deeper?.Length ?? InlineSlots) * 2));
        }

        _deeper[index] = (nint)tag;
    }

    /// <summary>The outcome of <see cref="TryClaim"/>.</summary>
    public enum ClaimResult
    {
        /// <summary>The caller's variable owns the scope.</summary>
        Owned,

        /// <summary>Another variable owns it: the caller holds a copy.</summary>
        Copy,

        /// <summary>The scope has ended.</summary>
        Ended,
    }

    /// <summary>128 bytes: two cache lines (adjacent-line prefetch pulls lines in pairs).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private readonly struct CacheLinePair
    {
    }

    /// <summary>The inline claim slots: <see cref="InlineSlots"/> of them.</summary>
    [InlineArray(InlineSlots)]
    private struct InlineClaims
    {
        public nint First;
    }
}
