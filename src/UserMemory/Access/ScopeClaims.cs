using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// Which variable owns each open <see cref="UserAccess"/> scope of the calling thread: the record that lets a scope
/// tell itself apart from a copy of itself.
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
internal static class ScopeClaims
{
    private const int InitialSlots = 16;

    [ThreadStatic]
    private static Claim[]? t_slots;

    [ThreadStatic]
    private static ulong t_lastSerial;

    /// <summary>Records a new scope at <paramref name="depth"/>, unowned; returns its serial number (never 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Open(int depth)
    {
        ulong serial = ++t_lastSerial;
        Claim[]? slots = t_slots;
        if (slots is not null && (uint)depth < (uint)slots.Length)
        {
            slots[depth] = new Claim(serial, 0);
        }
        else
        {
            OpenSlow(depth, serial);
        }

        return serial;
    }

    /// <summary>Makes <paramref name="home"/> the owner of the scope <paramref name="serial"/> at
    /// <paramref name="depth"/> if nobody owns it yet.</summary>
    /// <returns>Owned when <paramref name="home"/> owns it now; Copy when another variable does; Ended when the scope is
    /// no longer open.</returns>
    public static ClaimResult TryClaim(int depth, ulong serial, nint home)
    {
        Claim[]? slots = t_slots;
        if (slots is null || (uint)depth >= (uint)slots.Length || UserAccessContext.Depth <= depth)
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

    /// <summary>Marks the scope at <paramref name="depth"/> ended, so no copy of it can claim it later.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Close(int depth)
    {
        Claim[]? slots = t_slots;
        if (slots is not null && (uint)depth < (uint)slots.Length)
        {
            slots[depth].Serial = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenSlow(int depth, ulong serial)
    {
        Claim[] slots = t_slots ?? new Claim[InitialSlots];
        if (depth >= slots.Length)
        {
            Array.Resize(ref slots, Math.Max(depth + 1, slots.Length * 2));
        }

        t_slots = slots;
        slots[depth] = new Claim(serial, 0);
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
