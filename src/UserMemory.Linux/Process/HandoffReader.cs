using System;
using System.Buffers.Binary;
using System.Globalization;

namespace UserMemory.Linux.Process;

/// <summary>Reads a hand-off payload field by field, little-endian. Every read is bounds-checked against the bytes
/// left; a count is checked against what the remaining bytes could hold before anything is allocated. Any violation is
/// a <see cref="HandoffRejectedException"/>, never an index or allocation failure.</summary>
public sealed class HandoffReader
{
    private readonly byte[] _data;
    private int _position;

    /// <summary>Creates a reader over <paramref name="data"/>.</summary>
    /// <param name="data">The payload.</param>
    public HandoffReader(byte[] data)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
    }

    /// <summary>The bytes not read yet.</summary>
    public int Remaining => _data.Length - _position;

    /// <summary>Reads a 32-bit unsigned value.</summary>
    /// <param name="what">The field's name, for the message.</param>
    /// <returns>The value.</returns>
    public uint ReadU32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint), what));

    /// <summary>Reads a 64-bit unsigned value.</summary>
    /// <param name="what">The field's name, for the message.</param>
    /// <returns>The value.</returns>
    public ulong ReadU64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(sizeof(ulong), what));

    /// <summary>Reads a count of items each at least <paramref name="itemSize"/> bytes long, and no more than
    /// <paramref name="max"/>.</summary>
    /// <param name="itemSize">The smallest encoded size of one item (at least 1).</param>
    /// <param name="max">The largest count accepted.</param>
    /// <param name="what">The field's name, for the message.</param>
    /// <returns>The count.</returns>
    public int ReadCount(int itemSize, int max, string what)
    {
        uint count = ReadU32(what);
        if (count > (uint)max || (ulong)count * (ulong)itemSize > (ulong)Remaining)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"{what}: count {count} does not fit the state"));
        }

        return (int)count;
    }

    /// <summary>Reads a length-prefixed byte string of at most <paramref name="maxLength"/> bytes.</summary>
    /// <param name="maxLength">The longest accepted.</param>
    /// <param name="what">The field's name, for the message.</param>
    /// <returns>A copy of the bytes.</returns>
    public byte[] ReadBytes(int maxLength, string what)
    {
        uint length = ReadU32(what);
        if (length > (uint)maxLength)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"{what}: length {length} is out of range"));
        }

        return Take((int)length, what).ToArray();
    }

    /// <summary>Checks that every byte was read (trailing bytes mean a different layout).</summary>
    public void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"{Remaining} unexpected bytes after the state"));
        }
    }

    private ReadOnlySpan<byte> Take(int length, string what)
    {
        if (length < 0 || length > Remaining)
        {
            throw new HandoffRejectedException(what + ": the state is truncated");
        }

        ReadOnlySpan<byte> span = _data.AsSpan(_position, length);
        _position += length;
        return span;
    }
}
