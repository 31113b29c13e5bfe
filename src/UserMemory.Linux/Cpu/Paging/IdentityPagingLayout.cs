using System;

namespace UserMemory.Linux.Cpu.Paging;

/// <summary>
/// Where the page tables and the ring-0 stub live in guest-physical (== guest-virtual) memory, for a user range
/// <c>[0, UserEnd)</c>: one block just above the user range (see README.md in this folder). Everything is computed
/// from <see cref="UserEnd"/>; the block is laid out so that the leaf entries of the whole user range form one flat
/// array (entry of <c>va</c> = <c>va / 4096</c>) and the second-level entries one flat array too (entry of the
/// 2 MiB chunk <c>va / 2 MiB</c>).
/// </summary>
public sealed class IdentityPagingLayout
{
    /// <summary>4 KiB.</summary>
    public const ulong PageSize = 4096;

    /// <summary>The bytes one leaf table covers (512 entries of 4 KiB).</summary>
    public const ulong ChunkSize = 2UL << 20;

    /// <summary>The bytes one second-level table covers (512 entries of 2 MiB).</summary>
    public const ulong GigabyteSize = 1UL << 30;

    /// <summary>The bytes one top-level entry covers: the whole layout must fit below it.</summary>
    public const ulong TopEntrySize = 512UL << 30;

    /// <summary>Page index of the stub page (GDT and code) in the block.</summary>
    public const int StubPageIndex = 0;

    /// <summary>Page index of the ring-0 stack.</summary>
    public const int StackPageIndex = 1;

    /// <summary>Page index of the top-level table (PML4; CR3 points here).</summary>
    public const int RootPageIndex = 2;

    /// <summary>Page index of the third-level table (PDPT) covering <c>[0, 512 GiB)</c>.</summary>
    public const int PdptPageIndex = 3;

    /// <summary>Page index of the second-level table of the block's own gigabyte.</summary>
    public const int StubDirectoryPageIndex = 4;

    /// <summary>Page index of the leaf table of the block's first 2 MiB (maps the stub and stack pages).</summary>
    public const int StubLeafPageIndex = 5;

    /// <summary>Page index of the first second-level table of the user range.</summary>
    public const int FirstUserDirectoryPageIndex = 6;

    /// <summary>Computes the layout for a user range ending at <paramref name="userEnd"/>.</summary>
    /// <param name="userEnd">The end of the user range (2 MiB-aligned, above zero).</param>
    /// <exception cref="ArgumentException">The range is unaligned or too large for one PDPT.</exception>
    public IdentityPagingLayout(ulong userEnd)
    {
        if (userEnd == 0 || userEnd % ChunkSize != 0 || userEnd > TopEntrySize - GigabyteSize)
        {
            throw new ArgumentException("The user range must be 2 MiB-aligned and end below 511 GiB.", nameof(userEnd));
        }

        UserEnd = userEnd;
        UserGigabytes = (int)((userEnd + GigabyteSize - 1) / GigabyteSize);
        UserChunks = (int)(userEnd / ChunkSize);
        BlockBase = (ulong)UserGigabytes * GigabyteSize;
        FirstUserLeafPageIndex = FirstUserDirectoryPageIndex + UserGigabytes;
        BlockPages = FirstUserLeafPageIndex + UserChunks;
        if (BlockSize > GigabyteSize)
        {
            throw new ArgumentException("The page-table block must fit in one gigabyte.", nameof(userEnd));
        }
    }

    /// <summary>The end of the user range.</summary>
    public ulong UserEnd { get; }

    /// <summary>The number of gigabytes (second-level tables) the user range needs.</summary>
    public int UserGigabytes { get; }

    /// <summary>The number of 2 MiB chunks (leaf tables) the user range needs.</summary>
    public int UserChunks { get; }

    /// <summary>The guest-physical (== virtual) address of the block: the first gigabyte boundary at or above the user
    /// range's end.</summary>
    public ulong BlockBase { get; }

    /// <summary>Page index of the first leaf table of the user range.</summary>
    public int FirstUserLeafPageIndex { get; }

    /// <summary>The block's size in pages.</summary>
    public int BlockPages { get; }

    /// <summary>The block's size in bytes.</summary>
    public ulong BlockSize => (ulong)BlockPages * PageSize;

    /// <summary>The CR3 value.</summary>
    public ulong Root => PageAddress(RootPageIndex);

    /// <summary>The guest address of the stub page (GDT at offset 0, code after it).</summary>
    public ulong StubAddress => PageAddress(StubPageIndex);

    /// <summary>The top of the ring-0 stack.</summary>
    public ulong StackTop => PageAddress(StackPageIndex) + PageSize;

    /// <summary>The guest-physical address of page <paramref name="index"/> of the block.</summary>
    /// <param name="index">The page index.</param>
    /// <returns>The address.</returns>
    public ulong PageAddress(int index) => BlockBase + ((ulong)index * PageSize);
}
