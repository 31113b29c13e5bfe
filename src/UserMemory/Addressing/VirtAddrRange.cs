using System;
using System.Diagnostics;

namespace UserMemory;

/// <summary>
/// A half-open range of virtual addresses, <c>[Start, End)</c>. <see cref="End"/> is exclusive and may be
/// 2^64 only conceptually: a range that would end past 2^64 - 1 cannot be built (the top byte 2^64 - 1 is
/// unreachable, as on every real 64-bit kernel whose user space ends far below it).
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public readonly struct VirtAddrRange : IEquatable<VirtAddrRange>
{
    /// <summary>Creates <c>[start, end)</c>. Throws when <paramref name="end"/> is below <paramref name="start"/> (a programming error).</summary>
    /// <param name="start">The first address.</param>
    /// <param name="end">The address one past the last.</param>
    public VirtAddrRange(VirtAddr start, VirtAddr end)
    {
        if (end < start)
        {
            ThrowHelper.ThrowArgument(nameof(end), "The end of a range is below its start.");
        }

        Start = start;
        End = end;
    }

    /// <summary>The first address.</summary>
    public VirtAddr Start { get; }

    /// <summary>One past the last address.</summary>
    public VirtAddr End { get; }

    /// <summary>The number of bytes.</summary>
    public ulong Size => End.Value - Start.Value;

    /// <summary>True for a range with no bytes.</summary>
    public bool IsEmpty => End == Start;

    /// <summary>
    /// Builds <c>[start, start + size)</c> without ever computing a wrapped sum.
    /// </summary>
    /// <param name="start">The first address.</param>
    /// <param name="size">The number of bytes.</param>
    /// <param name="range">The range when it fits.</param>
    /// <returns>False when <c>start + size</c> exceeds 2^64 - 1; never throws.</returns>
    public static bool TryFromStartSize(VirtAddr start, ulong size, out VirtAddrRange range)
    {
        if (size > ulong.MaxValue - start.Value)
        {
            range = default;
            return false;
        }

        range = new VirtAddrRange(start, start.Value + size, trusted: true);
        return true;
    }

    /// <summary>Builds <c>[start, start + size)</c>; throws <see cref="OverflowException"/> when it wraps.</summary>
    /// <param name="start">The first address.</param>
    /// <param name="size">The number of bytes.</param>
    /// <returns>The range.</returns>
    public static VirtAddrRange FromStartSize(VirtAddr start, ulong size) =>
        TryFromStartSize(start, size, out VirtAddrRange r) ? r : throw new OverflowException("start + size overflows 64 bits.");

    private VirtAddrRange(VirtAddr start, VirtAddr end, bool trusted)
    {
        _ = trusted;
        Start = start;
        End = end;
    }

    /// <summary>True when <paramref name="address"/> lies inside the range.</summary>
    /// <param name="address">The address.</param>
    /// <returns>Whether contained.</returns>
    public bool Contains(VirtAddr address) => address >= Start && address < End;

    /// <summary>True when <paramref name="other"/> lies entirely inside this range (an empty range inside or at the edge counts).</summary>
    /// <param name="other">The inner range.</param>
    /// <returns>Whether contained.</returns>
    public bool Contains(VirtAddrRange other) => other.Start >= Start && other.End <= End;

    /// <summary>True when the two ranges share at least one byte.</summary>
    /// <param name="other">The other range.</param>
    /// <returns>Whether they overlap.</returns>
    public bool Overlaps(VirtAddrRange other) => Start < other.End && other.Start < End && !IsEmpty && !other.IsEmpty;

    /// <summary>The bytes both ranges share; empty when none.</summary>
    /// <param name="other">The other range.</param>
    /// <returns>The intersection.</returns>
    public VirtAddrRange Intersect(VirtAddrRange other)
    {
        VirtAddr s = Start > other.Start ? Start : other.Start;
        VirtAddr e = End < other.End ? End : other.End;
        return e > s ? new VirtAddrRange(s, e, trusted: true) : default;
    }

    /// <summary>True when both ends are 4 KiB aligned.</summary>
    public bool IsPageAligned => Start.IsAligned4K && End.IsAligned4K;

    /// <summary>The smallest page-aligned range covering this one, or false when its end would pass 2^64 - 1.</summary>
    /// <param name="cover">The page-aligned cover.</param>
    /// <returns>Whether it fits.</returns>
    public bool TryPageCover(out VirtAddrRange cover)
    {
        if (!Pages.TryAlignUp4K(End.Value, out ulong end))
        {
            cover = default;
            return false;
        }

        cover = new VirtAddrRange(Start.AlignDown4K, end, trusted: true);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(VirtAddrRange other) => Start == other.Start && End == other.End;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VirtAddrRange r && Equals(r);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Start, End);

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(VirtAddrRange left, VirtAddrRange right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(VirtAddrRange left, VirtAddrRange right) => !left.Equals(right);

    /// <summary>The range as <c>[0x…, 0x…)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"[{Start}, {End})";
}
