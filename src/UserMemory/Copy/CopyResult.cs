using System;
using System.Globalization;

namespace UserMemory;

/// <summary>
/// The outcome of a copy between kernel and user memory, as gVisor's <c>(n, err)</c>: how many bytes were
/// transferred and, when the copy stopped early, why.
/// </summary>
/// <remarks>
/// <para><see cref="BytesDone"/> is below the number of bytes requested exactly when <see cref="Error"/> is not
/// <see cref="LinuxError.None"/>. Linux's <c>copy_from_user</c> returns the opposite number (bytes <em>not</em>
/// copied): that is <c>requested - BytesDone</c>.</para>
/// <para>A system call such as <c>read</c> or <c>write</c> answers the short count when anything was transferred and
/// the errno otherwise; <see cref="ToTransferReturn"/> computes exactly that.</para>
/// </remarks>
public readonly struct CopyResult : IEquatable<CopyResult>
{
    /// <summary>Creates a result.</summary>
    /// <param name="bytesDone">The bytes transferred before the copy stopped.</param>
    /// <param name="error">Why it stopped early, or <see cref="LinuxError.None"/> when it completed.</param>
    public CopyResult(nuint bytesDone, LinuxError error)
    {
        BytesDone = bytesDone;
        Error = error;
    }

    /// <summary>The number of bytes transferred, counted from the start of the request.</summary>
    public nuint BytesDone { get; }

    /// <summary><see cref="LinuxError.None"/> when every requested byte was transferred; otherwise the reason the copy
    /// stopped at <see cref="BytesDone"/>: EFAULT (not accessible, or the range leaves user space) or ENOMEM (a lazy
    /// page could not be populated).</summary>
    public LinuxError Error { get; }

    /// <summary>True when the whole request was transferred.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>A completed copy of <paramref name="bytes"/> bytes.</summary>
    /// <param name="bytes">The bytes transferred.</param>
    /// <returns>The result.</returns>
    public static CopyResult Completed(nuint bytes) => new(bytes, LinuxError.None);

    /// <summary>What Linux's <c>read</c>/<c>write</c> family returns for this transfer: the byte count when it completed
    /// or when at least one byte moved, else the negated errno.</summary>
    /// <returns>A non-negative count or <c>-errno</c>.</returns>
    public long ToTransferReturn() => IsOk || BytesDone > 0 ? (long)BytesDone : -(long)Error;

    /// <inheritdoc/>
    public bool Equals(CopyResult other) => BytesDone == other.BytesDone && Error == other.Error;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CopyResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(BytesDone, Error);

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether both count and errno are equal.</returns>
    public static bool operator ==(CopyResult left, CopyResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether count or errno differ.</returns>
    public static bool operator !=(CopyResult left, CopyResult right) => !left.Equals(right);

    /// <summary>"Ok(n)" or "EFAULT after n bytes".</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IsOk
        ? string.Create(CultureInfo.InvariantCulture, $"Ok({BytesDone})")
        : string.Create(CultureInfo.InvariantCulture, $"{Error.Name()} after {BytesDone} bytes");
}
