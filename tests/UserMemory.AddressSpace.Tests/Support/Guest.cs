using System;

namespace UserMemory.AddressSpace.Tests.Support;

/// <summary>Reading and writing guest memory in tests: through the core (validated) or raw through a view.</summary>
internal static unsafe class Guest
{
    /// <summary>Writes through the core; returns the errno.</summary>
    public static LinuxError Write(AddrSpace space, ulong address, ReadOnlySpan<byte> bytes)
    {
        using UserAccess access = UserAccess.Begin(space);
        UserSpan<byte> span = UserPtr<byte>.FromAddress(address).GetAsSlice(in access, (ulong)bytes.Length);
        if (!span.IsOk)
        {
            return span.Error;
        }

        bytes.CopyTo(span.Value);
        return LinuxError.None;
    }

    /// <summary>Reads through the core.</summary>
    public static UserResult<byte[]> Read(AddrSpace space, ulong address, int length)
    {
        using UserAccess access = UserAccess.Begin(space);
        UserReadOnlySpan<byte> span = UserConstPtr<byte>.FromAddress(address).GetAsSlice(in access, (ulong)length);
        return span.IsOk ? span.Value.ToArray() : span.Error;
    }

    /// <summary>Reads one byte through the core, or the errno.</summary>
    public static UserResult<byte> ReadByte(AddrSpace space, ulong address)
    {
        using UserAccess access = UserAccess.Begin(space);
        UserReadOnlyRef<byte> r = UserConstPtr<byte>.FromAddress(address).Get(in access);
        return r.IsOk ? r.Value : r.Error;
    }

    /// <summary>Reads a byte of the kernel view without validation (only for pages known to be mapped).</summary>
    public static byte PeekKernel(AddrSpace space, ulong address) => *(byte*)(space.KernelBase + (nint)address);

    /// <summary>Writes a byte of the kernel view without validation (only for pages known to be mapped).</summary>
    public static void PokeKernel(AddrSpace space, ulong address, byte value) => *(byte*)(space.KernelBase + (nint)address) = value;

    /// <summary>Reads a byte of the guest view (only where the host protection allows reading).</summary>
    public static byte PeekGuest(AddrSpace space, ulong address) => *(byte*)(space.GuestViewBase + (nint)address);

    /// <summary>Writes a byte of the guest view (only where the host protection allows writing).</summary>
    public static void PokeGuest(AddrSpace space, ulong address, byte value) => *(byte*)(space.GuestViewBase + (nint)address) = value;

    /// <summary>A span over the kernel view (only for mapped ranges: the memfd backs every byte of the view).</summary>
    public static ReadOnlySpan<byte> KernelSpan(AddrSpace space, ulong address, int length) =>
        new((void*)(space.KernelBase + (nint)address), length);
}
