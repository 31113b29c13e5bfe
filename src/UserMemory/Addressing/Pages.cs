using System.Numerics;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>Page-size constants and power-of-two alignment arithmetic that never wraps silently.</summary>
public static class Pages
{
    /// <summary>The size of a 4 KiB page.</summary>
    public const ulong Size4K = 4096;

    /// <summary>log2 of <see cref="Size4K"/>.</summary>
    public const int Shift4K = 12;

    /// <summary>Mask of the offset bits inside a 4 KiB page.</summary>
    public const ulong OffsetMask4K = Size4K - 1;

    /// <summary>Rounds <paramref name="value"/> down to a multiple of <paramref name="align"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="align">A power of two; anything else is a programming error.</param>
    /// <returns>The rounded value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AlignDown(ulong value, ulong align)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(align);
        return value & ~(align - 1);
    }

    /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="align"/>, without wrapping.</summary>
    /// <param name="value">The value.</param>
    /// <param name="align">A power of two.</param>
    /// <param name="result">The rounded value, or 0 when it would not fit.</param>
    /// <returns>False when the rounded value exceeds 2^64 - 1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAlignUp(ulong value, ulong align, out ulong result)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(align);
        ulong mask = align - 1;
        if (value > ulong.MaxValue - mask)
        {
            // Only a value that is already aligned still fits.
            result = (value & mask) == 0 ? value : 0;
            return (value & mask) == 0;
        }

        result = (value + mask) & ~mask;
        return true;
    }

    /// <summary>True when <paramref name="value"/> is a multiple of <paramref name="align"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="align">A power of two.</param>
    /// <returns>Whether aligned.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAligned(ulong value, ulong align)
    {
        ThrowHelper.ThrowIfNotPowerOfTwo(align);
        return (value & (align - 1)) == 0;
    }

    /// <summary>Rounds down to a 4 KiB page.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The page address.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AlignDown4K(ulong value) => value & ~OffsetMask4K;

    /// <summary>Rounds up to a 4 KiB page without wrapping.</summary>
    /// <param name="value">The value.</param>
    /// <param name="result">The rounded value.</param>
    /// <returns>False past 2^64 - 1.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAlignUp4K(ulong value, out ulong result) => TryAlignUp(value, Size4K, out result);

    /// <summary>True when 4 KiB aligned.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether aligned.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAligned4K(ulong value) => (value & OffsetMask4K) == 0;

    /// <summary>True when <paramref name="value"/> is a power of two.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether it is a power of two.</returns>
    public static bool IsPowerOfTwo(ulong value) => BitOperations.IsPow2(value);
}
