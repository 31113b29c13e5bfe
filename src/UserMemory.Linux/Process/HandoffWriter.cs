using System;
using System.Buffers.Binary;
using System.IO;

namespace UserMemory.Linux.Process;

/// <summary>Writes a hand-off payload field by field, little-endian, in the layout <see cref="HandoffReader"/> reads.</summary>
public sealed class HandoffWriter : IDisposable
{
    private readonly MemoryStream _stream = new();

    /// <summary>Appends a 32-bit unsigned value.</summary>
    /// <param name="value">The value.</param>
    public void WriteU32(uint value)
    {
        Span<byte> b = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _stream.Write(b);
    }

    /// <summary>Appends a 64-bit unsigned value.</summary>
    /// <param name="value">The value.</param>
    public void WriteU64(ulong value)
    {
        Span<byte> b = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _stream.Write(b);
    }

    /// <summary>Appends a count (a 32-bit value).</summary>
    /// <param name="count">The count.</param>
    public void WriteCount(int count) => WriteU32(checked((uint)count));

    /// <summary>Appends a length-prefixed byte string.</summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteCount(bytes.Length);
        _stream.Write(bytes);
    }

    /// <summary>The payload written so far.</summary>
    /// <returns>A copy.</returns>
    public byte[] ToArray() => _stream.ToArray();

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
