using System;
using System.Globalization;
using System.Runtime.InteropServices;

namespace UserMemory;

/// <summary>
/// One element of a scatter/gather list, laid out as Linux's 64-bit <c>struct iovec { void *iov_base; size_t iov_len; }</c>
/// (16 bytes), so an array of them can be copied straight from user memory.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct IoVec : IEquatable<IoVec>
{
    /// <summary>The size of one element in user memory, in bytes.</summary>
    public const int Size = 16;

    /// <summary>Creates an element.</summary>
    /// <param name="baseAddress">The user address of the buffer.</param>
    /// <param name="length">The buffer length in bytes.</param>
    public IoVec(ulong baseAddress, ulong length)
    {
        Base = baseAddress;
        Length = length;
    }

    /// <summary>The user address of the buffer (<c>iov_base</c>).</summary>
    public ulong Base { get; }

    /// <summary>The buffer length in bytes (<c>iov_len</c>).</summary>
    public ulong Length { get; }

    /// <inheritdoc/>
    public bool Equals(IoVec other) => Base == other.Base && Length == other.Length;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IoVec other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Base, Length);

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether base and length are equal.</returns>
    public static bool operator ==(IoVec left, IoVec right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether base or length differ.</returns>
    public static bool operator !=(IoVec left, IoVec right) => !left.Equals(right);

    /// <summary>"{0x…, n}".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{{0x{Base:x}, {Length}}}");
}
