using System;
using System.Buffers.Binary;

namespace UserMemory.Linux.Cpu.Paging;

/// <summary>
/// The one supervisor-only page a backend needs to run the guest at CPL 3 on real page tables: a GDT laid out like
/// Linux's (so <c>%cs</c> reads 0x33 and <c>%ss</c> 0x2b in user mode) followed by three tiny code sequences. The
/// bytes are written by hand; the listing is next to each constant.
/// </summary>
public static class RingZeroStub
{
    /// <summary>Kernel 64-bit code selector (GDT entry 2, as Linux's <c>__KERNEL_CS</c>).</summary>
    public const ushort KernelCode = 0x10;

    /// <summary>Kernel data selector (GDT entry 3, <c>__KERNEL_DS</c>).</summary>
    public const ushort KernelData = 0x18;

    /// <summary>User data selector with RPL 3 (GDT entry 5, <c>__USER_DS</c>).</summary>
    public const ushort UserData = 0x2b;

    /// <summary>User 64-bit code selector with RPL 3 (GDT entry 6, <c>__USER_CS</c>).</summary>
    public const ushort UserCode = 0x33;

    /// <summary>The GDT's limit (7 entries of 8 bytes, minus one).</summary>
    public const uint GdtLimit = (GdtEntries * DescriptorSize) - 1;

    /// <summary>Offset of <c>iretq</c> (48 CF): entered at CPL 0 with an interrupt frame {RIP, CS, RFLAGS, RSP, SS} on
    /// the ring-0 stack, it drops to CPL 3 at the guest's RIP.</summary>
    public const int EnterUserOffset = 0x800;

    /// <summary>Offset of <c>mov al, [ProbeAddress]</c> (8A 04 25 disp32) then <c>hlt</c> (F4): run once at CPL 0
    /// while <see cref="ProbeAddress"/> is not mapped, it raises one page fault (used to find where the emulator keeps
    /// its "exception in flight" state).</summary>
    public const int FaultProbeOffset = 0x810;

    /// <summary>Offset of <c>mov rax, cr3</c> (0F 20 D8), <c>mov cr3, rax</c> (0F 22 D8), <c>hlt</c> (F4): reloading CR3 at
    /// CPL 0 flushes the TLB.</summary>
    public const int FlushTlbOffset = 0x820;

    /// <summary>The user address the fault probe reads (the first page above Linux's <c>mmap_min_addr</c>).</summary>
    public const uint ProbeAddress = 0x10000;

    /// <summary>RFLAGS bits the guest may not carry into user mode: IOPL (bits 12-13), so port I/O and <c>cli</c> fault.</summary>
    public const ulong IoPrivilegeMask = 0x3000;

    /// <summary>RFLAGS bit 1, always set.</summary>
    public const ulong RflagsFixed = 0x2;

    private const int GdtEntries = 7;
    private const int DescriptorSize = 8;
    private const ulong KernelCode64Descriptor = 0x00af_9b00_0000_ffffUL;
    private const ulong KernelDataDescriptor = 0x00cf_9300_0000_ffffUL;
    private const ulong UserCode32Descriptor = 0x00cf_fb00_0000_ffffUL;
    private const ulong UserDataDescriptor = 0x00cf_f300_0000_ffffUL;
    private const ulong UserCode64Descriptor = 0x00af_fb00_0000_ffffUL;

    /// <summary>Builds the stub page's contents (GDT at offset 0).</summary>
    /// <returns>The bytes to place at the start of the stub page.</returns>
    public static byte[] Build()
    {
        byte[] page = new byte[FlushTlbOffset + 16];
        Span<byte> gdt = page.AsSpan(0, GdtEntries * DescriptorSize);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(KernelCode & ~7)..], KernelCode64Descriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(KernelData & ~7)..], KernelDataDescriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x20..], UserCode32Descriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(UserData & ~7)..], UserDataDescriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(UserCode & ~7)..], UserCode64Descriptor);
        ReadOnlySpan<byte> enter = [0x48, 0xCF];
        enter.CopyTo(page.AsSpan(EnterUserOffset));
        ReadOnlySpan<byte> probe = [0x8A, 0x04, 0x25];
        probe.CopyTo(page.AsSpan(FaultProbeOffset));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(FaultProbeOffset + probe.Length), ProbeAddress);
        page[FaultProbeOffset + probe.Length + sizeof(uint)] = 0xF4;
        ReadOnlySpan<byte> flush = [0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8, 0xF4];
        flush.CopyTo(page.AsSpan(FlushTlbOffset));
        return page;
    }
}
