using System;
using UserMemory.AddressSpace;
using UserMemory.Reliability.Tests.Support;

namespace UserMemory.Reliability.Tests.Bounds;

/// <summary>A reference address space with one large read-write area, seen through a counting
/// <see cref="InterposedAddressSpace"/>, plus raw access for setup.</summary>
public sealed class BoundsSpace : IDisposable
{
    /// <summary>Start of the user range and of the area.</summary>
    public const ulong Base = 0x100000;

    /// <summary>Builds a space with <paramref name="areaBytes"/> mapped read-write (eagerly) at <see cref="Base"/>,
    /// followed by one unmapped page.</summary>
    public BoundsSpace(ulong areaBytes, AddrSpaceOptions? options = null)
    {
        Inner = AddrSpace.Create(Base, areaBytes + Pages.Size4K, options);
        if (Inner.MapAlloc(Base, areaBytes, MappingFlags.Read | MappingFlags.Write, populate: true) != LinuxError.None)
        {
            throw new InvalidOperationException("map failed");
        }

        Counted = new InterposedAddressSpace(Inner, Base);
        AreaEnd = Base + areaBytes;
    }

    /// <summary>The real space.</summary>
    public AddrSpace Inner { get; }

    /// <summary>The counting view the core is called with.</summary>
    public InterposedAddressSpace Counted { get; }

    /// <summary>One past the mapped area (an unmapped page follows).</summary>
    public ulong AreaEnd { get; }

    /// <summary>Raw bytes of the area (setup only).</summary>
    public unsafe Span<byte> Raw(ulong address, int length) => new((void*)Inner.GetKernelAddress(address), length);

    /// <summary>Writes a NUL-terminated string of <paramref name="length"/> 'a' bytes at <paramref name="address"/>
    /// (no NUL when <paramref name="terminated"/> is false).</summary>
    public ulong PutString(ulong address, int length, bool terminated = true)
    {
        Raw(address, length).Fill((byte)'a');
        if (terminated)
        {
            Raw(address + (ulong)length, 1)[0] = 0;
        }

        return address;
    }

    /// <inheritdoc/>
    public void Dispose() => Inner.Dispose();
}
