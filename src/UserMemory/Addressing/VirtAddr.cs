using System;
using System.Diagnostics;
using System.Globalization;

namespace UserMemory;

/// <summary>
/// A virtual address in a user (guest) address space. It is only a number: holding one grants no access.
/// </summary>
/// <remarks>Arithmetic that could wrap has a <c>Try</c> form; the plain operators are for kernel code
/// that already knows the result fits.</remarks>
[DebuggerDisplay("{ToString(),nq}")]
public readonly struct VirtAddr : IEquatable<VirtAddr>, IComparable<VirtAddr>
{
    /// <summary>The address 0, the null pointer.</summary>
    public static VirtAddr Null => default;

    /// <summary>The highest representable address, 2^64 - 1.</summary>
    public static VirtAddr MaxValue => new(ulong.MaxValue);

    /// <summary>Creates an address from its numeric value.</summary>
    /// <param name="value">The address.</param>
    public VirtAddr(ulong value) => Value = value;

    /// <summary>The numeric value of the address.</summary>
    public ulong Value { get; }

    /// <summary>True for the address 0.</summary>
    public bool IsNull => Value == 0;

    /// <summary>Creates an address from its numeric value.</summary>
    /// <param name="value">The address.</param>
    /// <returns>The address.</returns>
    public static VirtAddr FromUInt64(ulong value) => new(value);

    /// <summary>Rounds down to a multiple of <paramref name="align"/>, which must be a power of two.</summary>
    /// <param name="align">A power of two.</param>
    /// <returns>The largest multiple of <paramref name="align"/> not above this address.</returns>
    public VirtAddr AlignDown(ulong align) => new(Pages.AlignDown(Value, align));

    /// <summary>Rounds up to a multiple of <paramref name="align"/>, which must be a power of two.</summary>
    /// <param name="align">A power of two.</param>
    /// <param name="result">The smallest multiple of <paramref name="align"/> not below this address.</param>
    /// <returns>False when the result does not fit in 64 bits; <paramref name="result"/> is then null.</returns>
    public bool TryAlignUp(ulong align, out VirtAddr result)
    {
        bool ok = Pages.TryAlignUp(Value, align, out ulong up);
        result = new VirtAddr(up);
        return ok;
    }

    /// <summary>Rounds up to a multiple of <paramref name="align"/>; throws <see cref="OverflowException"/> past 2^64.</summary>
    /// <param name="align">A power of two.</param>
    /// <returns>The smallest multiple of <paramref name="align"/> not below this address.</returns>
    public VirtAddr AlignUp(ulong align) => TryAlignUp(align, out VirtAddr r) ? r : throw new OverflowException("Aligning the address up overflows 64 bits.");

    /// <summary>True when the address is a multiple of <paramref name="align"/> (a power of two).</summary>
    /// <param name="align">A power of two.</param>
    /// <returns>Whether the address is aligned.</returns>
    public bool IsAligned(ulong align) => Pages.IsAligned(Value, align);

    /// <summary>The address rounded down to its 4 KiB page.</summary>
    public VirtAddr AlignDown4K => new(Value & ~Pages.OffsetMask4K);

    /// <summary>True when the address is 4 KiB aligned.</summary>
    public bool IsAligned4K => (Value & Pages.OffsetMask4K) == 0;

    /// <summary>The offset inside the 4 KiB page.</summary>
    public ulong PageOffset4K => Value & Pages.OffsetMask4K;

    /// <summary>Adds an offset; false instead of wrapping past 2^64.</summary>
    /// <param name="offset">Bytes to add.</param>
    /// <param name="result">The sum when it fits.</param>
    /// <returns>Whether the sum fits in 64 bits.</returns>
    public bool TryAdd(ulong offset, out VirtAddr result)
    {
        ulong sum = Value + offset;
        result = new VirtAddr(sum);
        return sum >= Value;
    }

    /// <summary>Adds a byte offset (wrapping arithmetic; use <see cref="TryAdd"/> for untrusted values).</summary>
    /// <param name="a">The address.</param>
    /// <param name="offset">Bytes to add.</param>
    /// <returns>The sum, modulo 2^64.</returns>
    public static VirtAddr operator +(VirtAddr a, ulong offset) => new(unchecked(a.Value + offset));

    /// <summary>Subtracts a byte offset (wrapping arithmetic).</summary>
    /// <param name="a">The address.</param>
    /// <param name="offset">Bytes to subtract.</param>
    /// <returns>The difference, modulo 2^64.</returns>
    public static VirtAddr operator -(VirtAddr a, ulong offset) => new(unchecked(a.Value - offset));

    /// <summary>The distance in bytes from <paramref name="b"/> up to <paramref name="a"/> (wrapping).</summary>
    /// <param name="a">The higher address.</param>
    /// <param name="b">The lower address.</param>
    /// <returns>a - b modulo 2^64.</returns>
    public static ulong operator -(VirtAddr a, VirtAddr b) => unchecked(a.Value - b.Value);

    /// <summary>Converts a number to an address.</summary>
    /// <param name="value">The address.</param>
    public static implicit operator VirtAddr(ulong value) => new(value);

    /// <summary>The numeric value.</summary>
    /// <param name="address">The address.</param>
    public static explicit operator ulong(VirtAddr address) => address.Value;

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(VirtAddr left, VirtAddr right) => left.Value == right.Value;

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(VirtAddr left, VirtAddr right) => left.Value != right.Value;

    /// <summary>Ordering.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether left is below right.</returns>
    public static bool operator <(VirtAddr left, VirtAddr right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether left is above right.</returns>
    public static bool operator >(VirtAddr left, VirtAddr right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether left is not above right.</returns>
    public static bool operator <=(VirtAddr left, VirtAddr right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether left is not below right.</returns>
    public static bool operator >=(VirtAddr left, VirtAddr right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public bool Equals(VirtAddr other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VirtAddr other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(VirtAddr other) => Value.CompareTo(other.Value);

    /// <summary>The address as <c>0x…</c> hexadecimal.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}
