using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Paging;

/// <summary>The bits of an x86-64 page-table entry this layer uses (4-level paging, 4 KiB pages).</summary>
public static class PageTableEntry
{
    /// <summary>P: the entry maps something.</summary>
    public const ulong Present = 1UL << 0;

    /// <summary>R/W: stores allowed (at CPL 3 always; at CPL 0 when CR0.WP is set).</summary>
    public const ulong Writable = 1UL << 1;

    /// <summary>U/S: reachable from CPL 3.</summary>
    public const ulong User = 1UL << 2;

    /// <summary>XD/NX: instruction fetches fault (needs EFER.NXE).</summary>
    public const ulong NoExecute = 1UL << 63;

    /// <summary>The physical-address bits of an entry (bits 12 to 51).</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;

    /// <summary>What a table entry above the leaves carries: everything allowed, the leaf decides.</summary>
    public const ulong TableLink = Present | Writable | User;

    /// <summary>The leaf bits for a user page of an area with <paramref name="flags"/>: present and user, writable
    /// when the area is, executable only when the area is. Returns 0 (not present) for an area without any
    /// access (PROT_NONE).</summary>
    /// <param name="flags">The area's flags.</param>
    /// <returns>The leaf bits, without the address.</returns>
    public static ulong ForArea(MappingFlags flags)
    {
        if ((flags & (MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute)) == 0)
        {
            return 0;
        }

        return Present | User
            | ((flags & MappingFlags.Write) != 0 ? Writable : 0)
            | ((flags & MappingFlags.Execute) != 0 ? 0 : NoExecute);
    }

    /// <summary>True when the entry is present.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>True when P is set.</returns>
    public static bool IsPresent(ulong entry) => (entry & Present) != 0;

    /// <summary>True when a present entry lets CPL 3 fetch instructions.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns>True when P and U are set and NX is clear.</returns>
    public static bool IsUserExecutable(ulong entry) => (entry & (Present | User | NoExecute)) == (Present | User);
}
