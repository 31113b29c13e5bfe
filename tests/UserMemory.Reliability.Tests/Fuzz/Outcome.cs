using System;
using System.Globalization;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>What an operation answered: errno, a number (bytes done, length, value), a flag, and data bytes.</summary>
public sealed class Outcome : IEquatable<Outcome>
{
    /// <summary>An outcome.</summary>
    public Outcome(LinuxError error, ulong number = 0, bool flag = false, byte[]? data = null)
    {
        Error = error;
        Number = number;
        Flag = flag;
        Data = data ?? [];
    }

    /// <summary>The errno (None for success).</summary>
    public LinuxError Error { get; }

    /// <summary>Bytes done, a length or a value.</summary>
    public ulong Number { get; }

    /// <summary>Terminated, exchanged, ignored trailing bytes...</summary>
    public bool Flag { get; }

    /// <summary>Bytes read, copied or borrowed.</summary>
    public byte[] Data { get; }

    /// <inheritdoc/>
    public bool Equals(Outcome? other) =>
        other is not null && Error == other.Error && Number == other.Number && Flag == other.Flag && Data.AsSpan().SequenceEqual(other.Data);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Outcome);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Error, Number, Flag, Data.Length);

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Error.Name()} n=0x{Number:x} flag={Flag} data[{Data.Length}]={Convert.ToHexString(Data.AsSpan(0, Math.Min(Data.Length, 64)))}{(Data.Length > 64 ? "..." : string.Empty)}");
}
