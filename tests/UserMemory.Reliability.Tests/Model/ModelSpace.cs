using System;

namespace UserMemory.Reliability.Tests.Model;

/// <summary>
/// The reference model of a user address space, byte by byte: for every byte of the user range, whether it is
/// mapped, with which flags, and its value. Unmapped bytes and never-populated lazy bytes read as zero. Nothing here
/// knows about pages, areas, population or kernel addresses: only "may this byte be read / written" and "what is in
/// it". Deliberately naive so that it is obviously right.
/// </summary>
public sealed class ModelSpace
{
    private readonly bool[] _mapped;
    private readonly MappingFlags[] _flags;
    private readonly byte[] _values;
    private bool[] _populatedPages = [];

    /// <summary>A model of <c>[start, start + size)</c>, all unmapped.</summary>
    public ModelSpace(ulong start, ulong size)
    {
        Start = start;
        End = start + size;
        _mapped = new bool[size];
        _flags = new MappingFlags[size];
        _values = new byte[size];
    }

    /// <summary>The first user address.</summary>
    public ulong Start { get; }

    /// <summary>One past the last user address.</summary>
    public ulong End { get; }

    /// <summary>Maps <paramref name="size"/> bytes at <paramref name="address"/> with <paramref name="flags"/>, zeroed.</summary>
    public void Map(ulong address, ulong size, MappingFlags flags)
    {
        for (ulong i = 0; i < size; i++)
        {
            ulong index = address - Start + i;
            _mapped[index] = true;
            _flags[index] = flags;
            _values[index] = 0;
        }
    }

    /// <summary>True when <paramref name="address"/> is in the user range (not at its end).</summary>
    public bool IsUser(ulong address) => address >= Start && address < End;

    /// <summary>True when the byte is mapped.</summary>
    public bool IsMapped(ulong address) => IsUser(address) && _mapped[address - Start];

    /// <summary>True when the byte at <paramref name="address"/> is mapped with every flag of <paramref name="need"/>.</summary>
    public bool Allows(ulong address, MappingFlags need) =>
        IsUser(address) && _mapped[address - Start] && (_flags[address - Start] & need) == need;

    /// <summary>
    /// Linux's <c>access_ok</c>: the range lies in the user range (it may end exactly at its end; an empty range may
    /// start at its end), computed without wrapping.
    /// </summary>
    public bool AccessOk(ulong address, ulong size) => address >= Start && address <= End && size <= End - address;

    /// <summary>
    /// True when every byte of <c>[address, address + size)</c> allows <paramref name="need"/>; an empty range only
    /// needs to start in the user range or at its end; a range whose end wraps is never allowed.
    /// </summary>
    public bool AllowsRange(ulong address, ulong size, MappingFlags need)
    {
        if (size == 0)
        {
            return address >= Start && address <= End;
        }

        if (!AccessOk(address, size))
        {
            return false;
        }

        for (ulong i = 0; i < size; i++)
        {
            if (!Allows(address + i, need))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>How many bytes from <paramref name="address"/> on allow <paramref name="need"/>, at most
    /// <paramref name="size"/> (stops at the first byte that does not, or that would wrap).</summary>
    public ulong AllowedPrefix(ulong address, ulong size, MappingFlags need)
    {
        ulong i = 0;
        while (i < size && address + i >= address && Allows(address + i, need))
        {
            i++;
        }

        return i;
    }

    /// <summary>The byte at <paramref name="address"/> (any mapped byte; flags are not consulted).</summary>
    public byte Read(ulong address) => _values[address - Start];

    /// <summary>The bytes of a range (flags are not consulted).</summary>
    public byte[] Read(ulong address, ulong size)
    {
        byte[] result = new byte[size];
        for (ulong i = 0; i < size; i++)
        {
            result[i] = _values[address - Start + i];
        }

        return result;
    }

    /// <summary>Stores <paramref name="bytes"/> at <paramref name="address"/> (flags are not consulted).</summary>
    public void Write(ulong address, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            _values[address - Start + (ulong)i] = bytes[i];
        }
    }

    /// <summary>
    /// Sets which pages are populated now (page index from <see cref="Start"/>). Population is an input to the model,
    /// taken from the implementation, used only by the fault-capturing copies, which must not change it.
    /// </summary>
    public void SetPopulated(bool[] pages) => _populatedPages = pages;

    /// <summary>True when the page of <paramref name="address"/> was populated (per <see cref="SetPopulated"/>).</summary>
    public bool IsPopulated(ulong address) => IsUser(address) && _populatedPages[(address - Start) / Pages.Size4K];

    /// <summary>The values of the whole user range (unmapped bytes are zero).</summary>
    public ReadOnlySpan<byte> Values => _values;
}
