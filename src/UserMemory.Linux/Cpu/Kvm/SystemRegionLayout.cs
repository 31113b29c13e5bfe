using System;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// Where the backend's own guest memory lives: one region, one memory slot, placed at the first GiB boundary above
/// the user range. Guest-physical equals guest-virtual everywhere (user memory too), so an address means the same
/// thing to the page tables, the stub and the host.
/// </summary>
/// <remarks>
/// <para>Pages of the region, in order:</para>
/// <code>
///  0      GDT (Linux's selectors: 0x10 kernel code, 0x18 kernel data, 0x2B user data, 0x33 user code, 0x40 TSS)
///  1      TSS (RSP0, IST1; no I/O bitmap, so every port faults in user mode)
///  2      IDT (256 interrupt gates into the stub)
///  3      stub code: the syscall entry and the sysret paths (user-executable, see <see cref="KernelStub"/>)
///  4-5    stub code: the exception paths (supervisor only)
///  6      the invalidation list the flush path reads (a count, then page addresses)
///  7-8    ring-0 stack (exception frames from user mode; RSP0 is its top)
///  9      IST1 stack (double fault, NMI, machine check)
///  10     PML4
///  11     PDPT (PML4[0]: the first 512 GiB, holding the user range and this region)
///  12     page directory of this region's GiB
///  13     page table of this region's first 2 MiB (maps pages 0-9)
///  14...  one page directory per GiB of the user range
///  then   the user page tables: one linear array of 8-byte entries, entry i mapping user page i
/// </code>
/// <para>Only pages 0-9 are mapped in the guest's virtual space (at their physical addresses); the paging
/// structures are reached by the CPU physically and never mapped.</para>
/// </remarks>
internal sealed class SystemRegionLayout
{
    /// <summary>Bytes in a 4 KiB page.</summary>
    public const ulong PageSize = 4096;

    /// <summary>Bytes covered by one page-directory entry (2 MiB).</summary>
    public const ulong LargePageSize = 2UL << 20;

    /// <summary>Bytes covered by one PDPT entry (1 GiB).</summary>
    public const ulong GigabyteSize = 1UL << 30;

    /// <summary>Entries in one paging structure.</summary>
    public const int EntriesPerTable = 512;

    /// <summary>The largest user range this layout supports, so the region stays under PML4[0] (512 GiB).</summary>
    public const ulong MaxUserEnd = 256UL << 30;

    /// <summary>The GDT page.</summary>
    public const int GdtPage = 0;

    /// <summary>The TSS page.</summary>
    public const int TssPage = 1;

    /// <summary>The IDT page.</summary>
    public const int IdtPage = 2;

    /// <summary>The first page of stub code: the syscall entry page.</summary>
    public const int StubPage = 3;

    /// <summary>The first page of the exception code.</summary>
    public const int ExceptionCodePage = 4;

    /// <summary>Pages of stub code.</summary>
    public const int StubPages = 3;

    /// <summary>The stub's data page (the invalidation list).</summary>
    public const int StubDataPage = 6;

    /// <summary>The first page of the ring-0 stack.</summary>
    public const int KernelStackPage = 7;

    /// <summary>Pages of the ring-0 stack.</summary>
    public const int KernelStackPages = 2;

    /// <summary>The IST1 stack page.</summary>
    public const int InterruptStackPage = 9;

    /// <summary>Pages mapped in the guest's virtual space (0 up to this).</summary>
    public const int MappedPages = 10;

    /// <summary>The PML4 page.</summary>
    public const int Pml4Page = 10;

    /// <summary>The PDPT page.</summary>
    public const int PdptPage = 11;

    /// <summary>The page directory of this region's GiB.</summary>
    public const int SystemDirectoryPage = 12;

    /// <summary>The page table of this region's first 2 MiB.</summary>
    public const int SystemTablePage = 13;

    /// <summary>The first user page directory.</summary>
    public const int FirstUserDirectoryPage = 14;

    /// <summary>Computes the layout for a user range ending at <paramref name="userEnd"/>.</summary>
    /// <param name="userEnd">The end of the user range (guest addresses below it are user memory).</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty, unaligned or above <see cref="MaxUserEnd"/>.</exception>
    public SystemRegionLayout(ulong userEnd)
    {
        if (userEnd == 0 || userEnd > MaxUserEnd || userEnd % LargePageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(userEnd), "The KVM backend needs a user range ending at a 2 MiB boundary, at most 256 GiB.");
        }

        UserEnd = userEnd;
        UserGigabytes = (int)((userEnd + GigabyteSize - 1) / GigabyteSize);
        Base = (ulong)UserGigabytes * GigabyteSize;
        UserTablesOffset = (ulong)(FirstUserDirectoryPage + UserGigabytes) * PageSize;
        UserTableEntries = userEnd / PageSize;
        Size = UserTablesOffset + (UserTableEntries * sizeof(ulong));
    }

    /// <summary>The end of the user range.</summary>
    public ulong UserEnd { get; }

    /// <summary>GiBs (PDPT entries) the user range spans.</summary>
    public int UserGigabytes { get; }

    /// <summary>Guest-physical (and virtual) address of the region.</summary>
    public ulong Base { get; }

    /// <summary>Bytes in the region.</summary>
    public ulong Size { get; }

    /// <summary>Offset of the user page-table array in the region.</summary>
    public ulong UserTablesOffset { get; }

    /// <summary>Entries in the user page-table array (one per user page).</summary>
    public ulong UserTableEntries { get; }

    /// <summary>Guest address of a page of the region.</summary>
    /// <param name="page">The page index.</param>
    /// <returns>The address.</returns>
    public ulong PageAddress(int page) => Base + ((ulong)page * PageSize);

    /// <summary>The initial ring-0 stack pointer (TSS.RSP0).</summary>
    public ulong KernelStackTop => PageAddress(KernelStackPage + KernelStackPages);

    /// <summary>The IST1 stack pointer.</summary>
    public ulong InterruptStackTop => PageAddress(InterruptStackPage + 1);

    /// <summary>The guest address of the invalidation list.</summary>
    public ulong InvalidationListAddress => PageAddress(StubDataPage);
}
