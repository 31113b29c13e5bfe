using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// The calling thread's scope state in one object (so that a scope costs one thread-static load): the
/// <see cref="UserAccessContext"/> depth, and which variable owns each open <see cref="UserAccess"/> scope, the record
/// that lets a scope tell itself apart from a copy of itself.
/// </summary>
/// <remarks>
/// <para>A struct copy carries the same field values as its original, so identity has to come from outside the
/// struct. Scopes nest strictly on a thread, so the scope entered at context depth <c>d</c> owns slot <c>d</c>. The
/// slot holds the scope's serial number (so a stale slot is never mistaken for a live one) and the address of the
/// variable that first used the scope by reference (a borrow, <see cref="UserAccess.Dispose"/>): that variable is
/// the owner, and any other variable holding the same serial is a copy.</para>
/// <para>Addresses are compared, never dereferenced; a ref struct lives on the stack, so the address of a variable
/// does not change while the scope is open.</para>
/// </remarks>
internal sealed class ScopeClaims
{
    private const int InitialSlots = 16;

    [ThreadStatic]
    private static ScopeClaims? t_current;

    private Claim[] _slots = new Claim[InitialSlots];
    private ulong _lastSerial;

    /// <summary>The calling thread's state: one thread-static load, then plain fields.</summary>
    public static ScopeClaims Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Create();
    }

    /// <summary>The calling thread's <see cref="UserAccessContext"/> depth when it has a state, else 0 (never allocates).</summary>
    public static int CurrentDepth => t_current?.Depth ?? 0;

    /// <summary>How many scopes (<see cref="UserAccess"/> and <see cref="UserAccessContext.Scope"/>) the thread is in.</summary>
    public int Depth;

    /// <summary>Enters <see cref="UserAccessContext"/> and records a new, unowned scope there.</summary>
    /// <param name="serial">The new scope's serial number (never 0).</param>
    /// <returns>The depth before entering, which is the scope's slot.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Open(out ulong serial)
    {
        int depth = Depth;
        Depth = depth + 1;
        serial = ++_lastSerial;
        Claim[] slots = _slots;
        if ((uint)depth < (uint)slots.Length)
        {
            slots[depth] = new Claim(serial, 0);
        }
        else
        {
            OpenSlow(depth, serial);
        }

        return depth;
    }

    /// <summary>Makes <paramref name="home"/> the owner of the scope <paramref name="serial"/> at
    /// <paramref name="depth"/> if nobody owns it yet.</summary>
    /// <returns>Owned when <paramref name="home"/> owns it now; Copy when another variable does; Ended when the scope is
    /// no longer open.</returns>
    public ClaimResult TryClaim(int depth, ulong serial, nint home)
    {
        Claim[] slots = _slots;
        if ((uint)depth >= (uint)slots.Length || Depth <= depth)
        {
            return ClaimResult.Ended;
        }

        ref Claim slot = ref slots[depth];
        if (slot.Serial != serial)
        {
            return ClaimResult.Ended;
        }

        if (slot.Home == 0)
        {
            slot.Home = home;
            return ClaimResult.Owned;
        }

        return slot.Home == home ? ClaimResult.Owned : ClaimResult.Copy;
    }

    /// <summary>Marks the scope at <paramref name="depth"/> ended, so no copy of it can claim it later, and restores
    /// the context depth to <paramref name="depth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Close(int depth)
    {
        Claim[] slots = _slots;
        if ((uint)depth < (uint)slots.Length)
        {
            slots[depth].Serial = 0;
        }

        Depth = depth;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ScopeClaims Create() => t_current = new ScopeClaims();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OpenSlow(int depth, ulong serial)
    {
        Array.Resize(ref _slots, Math.Max(depth + 1, _slots.Length * 2));
        _slots[depth] = new Claim(serial, 0);
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

    private struct Claim(ulong serial, nint home)
    {
        public ulong Serial = serial;
        public nint Home = home;
    }
}
