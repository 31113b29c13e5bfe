using System;
using System.Buffers.Binary;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>The guest's GDT, TSS and IDT, and the selectors and segment registers that go with them (Linux's
/// selector values, so a signal frame's CS/SS read as they do on Linux).</summary>
internal static class DescriptorTables
{
    /// <summary>Kernel 64-bit code selector.</summary>
    public const ushort KernelCode = 0x10;

    /// <summary>Kernel data selector.</summary>
    public const ushort KernelData = 0x18;

    /// <summary>The base <c>sysret</c> adds to (user 32-bit code, RPL 3): SS = +8, CS = +16.</summary>
    public const ushort SysretBase = 0x23;

    /// <summary>User data selector (RPL 3).</summary>
    public const ushort UserData = 0x2B;

    /// <summary>User 64-bit code selector (RPL 3).</summary>
    public const ushort UserCode = 0x33;

    /// <summary>TSS selector.</summary>
    public const ushort TaskState = 0x40;

    /// <summary>GDT entries (including the TSS's two).</summary>
    public const int GdtEntries = 10;

    /// <summary>The TSS's limit: the 104-byte 64-bit TSS plus its I/O bitmap (<see cref="IoBitmapBytes"/>).</summary>
    public const uint TssLimit = TssBytes + IoBitmapBytes - 1;

    /// <summary>Bytes of a 64-bit TSS without I/O bitmap.</summary>
    private const uint TssBytes = 104;

    /// <summary>Bytes of the I/O bitmap: ports 0-23, then the all-ones byte the CPU needs after the last one.</summary>
    private const uint IoBitmapBytes = 4;

    private const ulong KernelCodeDescriptor = 0x00AF_9B00_0000_FFFF; // P, DPL0, code exec/read accessed, L, G
    private const ulong KernelDataDescriptor = 0x00CF_9300_0000_FFFF; // P, DPL0, data r/w accessed, D/B, G
    private const ulong UserCode32Descriptor = 0x00CF_FB00_0000_FFFF; // P, DPL3, code, D/B, G
    private const ulong UserDataDescriptor = 0x00CF_F300_0000_FFFF; // P, DPL3, data, D/B, G
    private const ulong UserCodeDescriptor = 0x00AF_FB00_0000_FFFF; // P, DPL3, code, L, G
    private const ulong BusyTssType = 0xB;
    private const ulong Present = 0x80;
    private const byte InterruptGate = 0xE;
    private const int DplShift = 5;
    private const int UserPrivilege = 3;
    private const int TssRsp0Offset = 4;
    private const int TssIst1Offset = 36;
    private const int TssIoMapOffset = 102;
    private const int IdtEntryBytes = 16;
    private const byte Ist1 = 1;
    private const byte SegmentTypeCode = 0xB;
    private const byte SegmentTypeData = 0x3;

    /// <summary>Writes the GDT and IDT into their pages of the region (the TSSs are per vCPU: <see cref="WriteTaskState"/>).</summary>
    /// <param name="region">The system region.</param>
    /// <param name="layout">Its layout.</param>
    /// <param name="stub">The stub the IDT points into.</param>
    public static void Write(SystemRegion region, SystemRegionLayout layout, KernelStub stub)
    {
        Span<ulong> gdt = region.Words(SystemRegionLayout.GdtPage, GdtEntries);
        gdt.Clear();
        gdt[KernelCode >> 3] = KernelCodeDescriptor;
        gdt[KernelData >> 3] = KernelDataDescriptor;
        gdt[SysretBase >> 3] = UserCode32Descriptor;
        gdt[UserData >> 3] = UserDataDescriptor;
        gdt[UserCode >> 3] = UserCodeDescriptor;
        // The TSS descriptor names slot 0's TSS. The CPU reads it only for LTR, which never runs: each vCPU gets its
        // own TR (base = its slot's TSS) through KVM_SET_SREGS (SetKernelSegments).
        ulong tss = layout.TssAddress(0);
        gdt[TaskState >> 3] = TssLimit | ((tss & 0xFF_FFFF) << 16) | (BusyTssType << 40) | (Present << 40)
            | ((tss >> 24) & 0xFF) << 56;
        gdt[(TaskState >> 3) + 1] = tss >> 32;

        Span<byte> idt = region.Bytes(SystemRegionLayout.IdtPage, KernelStub.VectorCount * IdtEntryBytes);
        for (int vector = 0; vector < KernelStub.VectorCount; vector++)
        {
            ulong handler = stub.VectorEntry(vector);
            int dpl = SoftwareInterrupt.IsUserGate(vector) ? UserPrivilege : 0; // as Linux: int3, int $4, int $0x80
            byte ist = vector is X86Exception.DoubleFault or X86Exception.NonMaskableInterrupt or X86Exception.MachineCheck ? Ist1 : (byte)0;
            ulong low = (handler & 0xFFFF) | ((ulong)KernelCode << 16) | ((ulong)ist << 32)
                | ((ulong)(Present | (uint)(dpl << DplShift) | InterruptGate) << 40) | (((handler >> 16) & 0xFFFF) << 48);
            Span<byte> entry = idt.Slice(vector * IdtEntryBytes, IdtEntryBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, low);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[sizeof(ulong)..], handler >> 32);
        }
    }

    /// <summary>Writes the TSS of vCPU slot <paramref name="slot"/>: RSP0 and IST1 point into the slot's own stacks.</summary>
    /// <param name="region">The system region.</param>
    /// <param name="layout">Its layout.</param>
    /// <param name="slot">The vCPU slot.</param>
    public static void WriteTaskState(SystemRegion region, SystemRegionLayout layout, int slot)
    {
        Span<byte> tssBytes = region.Bytes(SystemRegionLayout.SlotPage(slot) + SystemRegionLayout.TssPageInSlot, (int)TssLimit + 1);
        tssBytes.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(tssBytes[TssRsp0Offset..], layout.KernelStackTop(slot));
        BinaryPrimitives.WriteUInt64LittleEndian(tssBytes[TssIst1Offset..], layout.InterruptStackTop(slot));
        // The I/O bitmap allows user mode exactly one port, the syscall port (a set bit denies): user code that runs
        // the syscall entry (see KernelStub, PVM) then exits to the host directly instead of through #GP. Every
        // other port faults.
        BinaryPrimitives.WriteUInt16LittleEndian(tssBytes[TssIoMapOffset..], (ushort)TssBytes);
        Span<byte> bitmap = tssBytes.Slice((int)TssBytes, (int)IoBitmapBytes);
        bitmap.Fill(0xFF);
        bitmap[KernelStub.SyscallPort / 8] &= unchecked((byte)~(1 << (KernelStub.SyscallPort % 8)));
    }

    /// <summary>Fills the segment and descriptor-table registers for ring 0 of this GDT/IDT.</summary>
    /// <param name="sregs">The registers to fill (control registers are left alone).</param>
    /// <param name="layout">The region layout.</param>
    /// <param name="slot">The vCPU's slot (its TSS).</param>
    public static void SetKernelSegments(ref KvmSregs sregs, SystemRegionLayout layout, int slot)
    {
        sregs.Cs = FlatSegment(KernelCode, SegmentTypeCode, dpl: 0, longMode: true);
        sregs.Ss = FlatSegment(KernelData, SegmentTypeData, dpl: 0, longMode: false);
        sregs.Ds = UnusableSegment();
        sregs.Es = UnusableSegment();
        ulong fsBase = sregs.Fs.Base;
        ulong gsBase = sregs.Gs.Base;
        sregs.Fs = UnusableSegment();
        sregs.Fs.Base = fsBase;
        sregs.Gs = UnusableSegment();
        sregs.Gs.Base = gsBase;
        sregs.Ldt = UnusableSegment();
        sregs.Tr = new KvmSegment
        {
            Base = layout.TssAddress(slot),
            Limit = TssLimit,
            Selector = TaskState,
            Type = (byte)BusyTssType,
            Present = 1,
        };
        sregs.Gdt = new KvmDescriptorTable { Base = layout.PageAddress(SystemRegionLayout.GdtPage), Limit = (GdtEntries * sizeof(ulong)) - 1 };
        sregs.Idt = new KvmDescriptorTable { Base = layout.PageAddress(SystemRegionLayout.IdtPage), Limit = (KernelStub.VectorCount * IdtEntryBytes) - 1 };
    }

    private static KvmSegment FlatSegment(ushort selector, byte type, byte dpl, bool longMode) => new()
    {
        Base = 0,
        Limit = 0xFFFF_FFFF,
        Selector = selector,
        Type = type,
        Present = 1,
        Dpl = dpl,
        DefaultBig = longMode ? (byte)0 : (byte)1,
        System = 1,
        Long = longMode ? (byte)1 : (byte)0,
        Granularity = 1,
    };

    private static KvmSegment UnusableSegment() => new() { Unusable = 1 };
}
