using System.Runtime.CompilerServices;

namespace UserMemory.UnsafeAccess;

/// <summary>
/// A run of user memory that an address space has validated and populated inside the current access scope, and how it
/// maps to kernel addresses: what <see cref="IUserAddressSpace.PrepareWindow"/> answers and what a
/// <see cref="UserAccess"/> scope remembers, so that the next access inside the run costs a few compares and no
/// address-space call.
/// </summary>
/// <remarks>
/// Invariants an implementation guarantees for the window it returns, until the scope it was prepared in ends:
/// every byte of <c>[First, Last]</c> lies in areas carrying at least <see cref="Flags"/>; every page of it is populated
/// (touching it cannot fault); and user address <c>a</c> in it is at kernel address <c>a + KernelDelta</c>
/// (contiguous). A window never extends past the area (or run of areas) that was checked.
/// </remarks>
public readonly struct ValidatedWindow
{
    /// <summary>A window covering <c>[first, last]</c>.</summary>
    /// <param name="first">The first user address of the run.</param>
    /// <param name="last">The last user address of the run (inclusive, so a run may end at the top of the address space).</param>
    /// <param name="kernelDelta">Kernel address minus user address, for every byte of the run (wrapping arithmetic).</param>
    /// <param name="flags">The access every byte of the run allows.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // also where a profile marked the caller's block cold: a call here
                                                       // would leave the window to be read back as one wide load
                                                       // over four narrow stores, which the CPU cannot forward
    public ValidatedWindow(ulong first, ulong last, nuint kernelDelta, MappingFlags flags)
    {
        First = first;
        Last = last;
        KernelDelta = kernelDelta;
        Flags = flags;
    }

    /// <summary>No window: matches nothing.</summary>
    public static ValidatedWindow None => default;

    /// <summary>The first user address of the run.</summary>
    public ulong First { get; }

    /// <summary>The last user address of the run (inclusive).</summary>
    public ulong Last { get; }

    /// <summary>Kernel address minus user address (wrapping).</summary>
    public nuint KernelDelta { get; }

    /// <summary>The access every byte of the run allows; <see cref="MappingFlags.None"/> for no window.</summary>
    public MappingFlags Flags { get; }

    /// <summary>True when <c>[address, address + size)</c>, <paramref name="size"/> above zero, lies in the window and the
    /// window allows <paramref name="access"/> (non-empty).</summary>
    /// <param name="address">The first user address.</param>
    /// <param name="size">The number of bytes, above zero.</param>
    /// <param name="access">The required access.</param>
    /// <returns>Whether the window covers the access.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Covers(ulong address, ulong size, MappingFlags access) =>
        (Flags & access) == access && access != MappingFlags.None
        && address - First <= Last - First && size - 1 <= Last - address;
}
