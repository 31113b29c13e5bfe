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
///  1      IDT (256 interrupt gates into the stub)
///  2      stub code: the syscall entry and the sysret paths (user-executable, see <see cref="KernelStub"/>)
///  3-4    stub code: the exception paths (supervisor only)
///  5...   one slot of <see cref="VcpuPages"/> pages per vCPU (<see cref="MaxVcpus"/> slots), each:
///           +0    TSS (RSP0 = this slot's ring-0 stack top, IST1 = this slot's IST stack top, the I/O bitmap)
///           +1    the invalidation list the flush path reads (a count, then page addresses)
///           +2-3  ring-0 stack (exception frames from user mode; RSP0 is its top)
///           +4    IST1 stack (double fault, NMI, machine check)
///  then   PML4; PDPT (PML4[0]: the first 512 GiB, holding the user range and this region); the page directory of
///         this region's GiB; the page tables mapping the pages above, up to the slots' end (<see cref="SystemTablePages"/>
///         of them, consecutive, so entry i of the first is page i of the region for every i)
///  then   one page directory per GiB of the user range
///  then   the user page tables: one linear array of 8-byte entries, entry i mapping user page i
/// </code>
/// <para>Only the pages up to <see cref="MappedPages"/> are mapped in the guest's virtual space (at their physical
/// addresses); the paging structures are reached by the CPU physically and never mapped. Everything a vCPU's ring 0
/// writes (its TSS's stacks, its frame, its invalidation list) lives in its own slot, so vCPUs of one VM run in
/// parallel without sharing ring-0 state; the GDT, IDT and stub code are read-only to the guest and shared.</para>
/// <para>The stub reaches the invalidation list relative to RSP (the list lies a fixed distance below the slot's
/// ring-0 stack top), so the same code serves every slot.</para>
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

    /// <summary>The IDT page.</summary>
    public const int IdtPage = 1;

    /// <summary>The first page of stub code: the syscall entry page.</summary>
    public const int StubPage = 2;

    /// <summary>The first page of the exception code.</summary>
    public const int ExceptionCodePage = 3;

    /// <summary>Pages of stub code.</summary>
    public const int StubPages = 3;

    /// <summary>The first page of vCPU slot 0.</summary>
    public const int FirstVcpuPage = StubPage + StubPages;

    /// <summary>Pages of one vCPU slot.</summary>
    public const int VcpuPages = 5;

    /// <summary>The most vCPUs one VM holds, so the most guest threads alive at once on this backend (a thread blocked
    /// in a system call keeps its vCPU): KVM's usual <c>KVM_CAP_MAX_VCPUS</c> on x86. Past it (or past what the host
    /// grants: KVM's own limit, descriptors, memory) <c>clone</c> answers EAGAIN. A slot's pages are only touched when
    /// its vCPU is first created.</summary>
    public const int MaxVcpus = 1024;

    /// <summary>The TSS page, relative to a slot.</summary>
    public const int TssPageInSlot = 0;

    /// <summary>The invalidation-list page, relative to a slot.</summary>
    public const int InvalidationPageInSlot = 1;

    /// <summary>The first ring-0 stack page, relative to a slot.</summary>
    public const int KernelStackPageInSlot = 2;

    /// <summary>Pages of the ring-0 stack.</summary>
    public const int KernelStackPages = 2;

    /// <summary>The IST1 stack page, relative to a slot.</summary>
    public const int InterruptStackPageInSlot = 4;

    /// <summary>Pages mapped in the guest's virtual space (0 up to this).</summary>
    public const int MappedPages = FirstVcpuPage + (MaxVcpus * VcpuPages);

    /// <summary>The PML4 page.</summary>
    public const int Pml4Page = MappedPages;

    /// <summary>The PDPT page.</summary>
    public const int PdptPage = Pml4Page + 1;

    /// <summary>The page directory of this region's GiB.</summary>
    public const int SystemDirectoryPage = Pml4Page + 2;

    /// <summary>The first of the page tables that map the region's pages up to <see cref="MappedPages"/>.</summary>
    public const int SystemTablePage = Pml4Page + 3;

    /// <summary>Page tables (2 MiB each) mapping the region's pages up to <see cref="MappedPages"/>.</summary>
    public const int SystemTablePages = (MappedPages + EntriesPerTable - 1) / EntriesPerTable;

    /// <summary>The first user page directory.</summary>
    public const int FirstUserDirectoryPage = SystemTablePage + SystemTablePages;

    /// <summary>Bytes from a slot's ring-0 stack top down to its invalidation list (the stub addresses the list
    /// relative to RSP with this).</summary>
    public const long InvalidationListBelowStackTop =
        (long)(KernelStackPageInSlot + KernelStackPages - InvalidationPageInSlot) * (long)PageSize;

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

    /// <summary>The first page of a vCPU slot.</summary>
    /// <param name="slot">The slot, below <see cref="MaxVcpus"/>.</param>
    /// <returns>The page index.</returns>
    public static int SlotPage(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, MaxVcpus);
        return FirstVcpuPage + (slot * VcpuPages);
    }

    /// <summary>The guest address of a slot's TSS.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The address.</returns>
    public ulong TssAddress(int slot) => PageAddress(SlotPage(slot) + TssPageInSlot);

    /// <summary>A slot's initial ring-0 stack pointer (its TSS.RSP0).</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The address.</returns>
    public ulong KernelStackTop(int slot) => PageAddress(SlotPage(slot) + KernelStackPageInSlot + KernelStackPages);

    /// <summary>A slot's IST1 stack pointer.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The address.</returns>
    public ulong InterruptStackTop(int slot) => PageAddress(SlotPage(slot) + InterruptStackPageInSlot + 1);

    /// <summary>The guest address of a slot's invalidation list.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The address.</returns>
    public ulong InvalidationListAddress(int slot) => PageAddress(SlotPage(slot) + InvalidationPageInSlot);
}
