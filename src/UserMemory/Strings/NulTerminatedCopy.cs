using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace UserMemory;

/// <summary>
/// The fused scan-and-copy behind <see cref="UserCopy.StrncpyFromUser(ref readonly UserAccess, UserConstPtr{byte}, Span{byte})"/>:
/// one pass that loads each vector of user bytes once, stores it to the kernel buffer and tests the same register for
/// a NUL, instead of a copy followed by a second scan (or a scan followed by a second read of user memory).
/// </summary>
/// <remarks>Every decision is made on the loaded register, never on a second read of user memory, so the length
/// answered always describes the bytes stored (no double fetch). The last vector of a chunk overlaps the one before
/// it: those bytes are loaded again, and both the stored bytes and the NUL test come from that second load, which keeps
/// the result consistent.</remarks>
internal static class NulTerminatedCopy
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (same length) up to and including the
    /// first NUL; bytes of the last vector after the NUL may be copied too (the caller clears them).</summary>
    /// <returns>The index of the first NUL, or -1 when there is none (everything was copied).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CopyUntilNul(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int length = source.Length;
        if (Vector512.IsHardwareAccelerated && length >= WideThreshold && destination.Length >= length)
        {
            return CopyUntilNulWide(source, destination);
        }

        if (!Vector256.IsHardwareAccelerated || length < Vector256<byte>.Count || destination.Length < length)
        {
            source.CopyTo(destination);
            return destination[..length].IndexOf((byte)0); // scans the kernel copy, not user memory
        }

        ref byte from = ref MemoryMarshal.GetReference(source);
        ref byte to = ref MemoryMarshal.GetReference(destination);
        int last = length - Vector256<byte>.Count;
        int i = 0;

        // Two vectors per step with one branch on both (the common case, no NUL in 64 bytes, takes one test); the
        // exact position comes from the same two registers when it does find one.
        for (; i + (2 * Vector256<byte>.Count) <= last; i += 2 * Vector256<byte>.Count)
        {
            Vector256<byte> a = Vector256.LoadUnsafe(ref from, (nuint)i);
            Vector256<byte> b = Vector256.LoadUnsafe(ref from, (nuint)(i + Vector256<byte>.Count));
            a.StoreUnsafe(ref to, (nuint)i);
            b.StoreUnsafe(ref to, (nuint)(i + Vector256<byte>.Count));
            if (Vector256.EqualsAny(Vector256.Min(a, b), Vector256<byte>.Zero))
            {
                ulong both = Vector256.Equals(a, Vector256<byte>.Zero).ExtractMostSignificantBits()
                    | ((ulong)Vector256.Equals(b, Vector256<byte>.Zero).ExtractMostSignificantBits() << Vector256<byte>.Count);
                return i + BitOperations.TrailingZeroCount(both);
            }
        }

        for (; i < last; i += Vector256<byte>.Count)
        {
            Vector256<byte> v = Vector256.LoadUnsafe(ref from, (nuint)i);
            v.StoreUnsafe(ref to, (nuint)i);
            uint zeros = Vector256.Equals(v, Vector256<byte>.Zero).ExtractMostSignificantBits();
            if (zeros != 0)
            {
                return i + BitOperations.TrailingZeroCount(zeros);
            }
        }

        Vector256<byte> tail = Vector256.LoadUnsafe(ref from, (nuint)last);
        tail.StoreUnsafe(ref to, (nuint)last);
        uint tailZeros = Vector256.Equals(tail, Vector256<byte>.Zero).ExtractMostSignificantBits();
        return tailZeros != 0 ? last + BitOperations.TrailingZeroCount(tailZeros) : -1;
    }
    /// <summary>Strings of at least this many bytes take the 512-bit loop where the CPU has it: below it, the 256-bit
    /// loop's smaller tail wins.</summary>
    private const int WideThreshold = 4 * 64;

    /// <summary><see cref="CopyUntilNul"/> with 512-bit vectors, two per step; <paramref name="source"/> holds at least
    /// <see cref="WideThreshold"/> bytes and <paramref name="destination"/> at least as many.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CopyUntilNulWide(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ref byte from = ref MemoryMarshal.GetReference(source);
        ref byte to = ref MemoryMarshal.GetReference(destination);
        int last = source.Length - Vector512<byte>.Count;
        int i = 0;
        for (; i + (2 * Vector512<byte>.Count) <= last; i += 2 * Vector512<byte>.Count)
        {
            Vector512<byte> a = Vector512.LoadUnsafe(ref from, (nuint)i);
            Vector512<byte> b = Vector512.LoadUnsafe(ref from, (nuint)(i + Vector512<byte>.Count));
            a.StoreUnsafe(ref to, (nuint)i);
            b.StoreUnsafe(ref to, (nuint)(i + Vector512<byte>.Count));
            if (Vector512.EqualsAny(Vector512.Min(a, b), Vector512<byte>.Zero))
            {
                ulong inA = Vector512.Equals(a, Vector512<byte>.Zero).ExtractMostSignificantBits();
                return inA != 0
                    ? i + BitOperations.TrailingZeroCount(inA)
                    : i + Vector512<byte>.Count + BitOperations.TrailingZeroCount(Vector512.Equals(b, Vector512<byte>.Zero).ExtractMostSignificantBits());
            }
        }

        for (; i < last; i += Vector512<byte>.Count)
        {
            Vector512<byte> v = Vector512.LoadUnsafe(ref from, (nuint)i);
            v.StoreUnsafe(ref to, (nuint)i);
            ulong zeros = Vector512.Equals(v, Vector512<byte>.Zero).ExtractMostSignificantBits();
            if (zeros != 0)
            {
                return i + BitOperations.TrailingZeroCount(zeros);
            }
        }

        Vector512<byte> tail = Vector512.LoadUnsafe(ref from, (nuint)last);
        tail.StoreUnsafe(ref to, (nuint)last);
        ulong tailZeros = Vector512.Equals(tail, Vector512<byte>.Zero).ExtractMostSignificantBits();
        return tailZeros != 0 ? last + BitOperations.TrailingZeroCount(tailZeros) : -1;
    }
}
