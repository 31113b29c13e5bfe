using System.Runtime.InteropServices;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>The KVM ioctl interface on x86-64 (<c>linux/kvm.h</c>): request numbers, capabilities, exit reasons and
/// the layout of the shared <c>kvm_run</c> area. Request numbers are <c>_IO*(0xAE, nr, size)</c> spelled out.</summary>
internal static class KvmAbi
{
    /// <summary>The API version every KVM since Linux 2.6.22 reports.</summary>
    public const int ApiVersion = 12;

    /// <summary><c>KVM_GET_API_VERSION</c>.</summary>
    public const ulong GetApiVersion = 0xAE00;

    /// <summary><c>KVM_CREATE_VM</c>.</summary>
    public const ulong CreateVm = 0xAE01;

    /// <summary><c>KVM_CHECK_EXTENSION</c>.</summary>
    public const ulong CheckExtension = 0xAE03;

    /// <summary><c>KVM_GET_VCPU_MMAP_SIZE</c>.</summary>
    public const ulong GetVcpuMmapSize = 0xAE04;

    /// <summary><c>KVM_GET_SUPPORTED_CPUID</c> (<c>_IOWR</c>, <c>struct kvm_cpuid2</c> header of 8 bytes).</summary>
    public const ulong GetSupportedCpuid = 0xC008AE05;

    /// <summary><c>KVM_CREATE_VCPU</c>.</summary>
    public const ulong CreateVcpu = 0xAE41;

    /// <summary><c>KVM_SET_USER_MEMORY_REGION</c> (<c>_IOW</c>, 32 bytes).</summary>
    public const ulong SetUserMemoryRegion = 0x4020AE46;

    /// <summary><c>KVM_RUN</c>.</summary>
    public const ulong Run = 0xAE80;

    /// <summary><c>KVM_GET_REGS</c> (<c>_IOR</c>, 144 bytes).</summary>
    public const ulong GetRegs = 0x8090AE81;

    /// <summary><c>KVM_SET_REGS</c> (<c>_IOW</c>, 144 bytes).</summary>
    public const ulong SetRegs = 0x4090AE82;

    /// <summary><c>KVM_GET_SREGS</c> (<c>_IOR</c>, 312 bytes).</summary>
    public const ulong GetSregs = 0x8138AE83;

    /// <summary><c>KVM_SET_SREGS</c> (<c>_IOW</c>, 312 bytes).</summary>
    public const ulong SetSregs = 0x4138AE84;

    /// <summary><c>KVM_GET_MSRS</c> (<c>_IOWR</c>, 8-byte header).</summary>
    public const ulong GetMsrs = 0xC008AE88;

    /// <summary><c>KVM_SET_MSRS</c> (<c>_IOW</c>, 8-byte header).</summary>
    public const ulong SetMsrs = 0x4008AE89;

    /// <summary><c>KVM_SET_CPUID2</c> (<c>_IOW</c>, 8-byte header).</summary>
    public const ulong SetCpuid2 = 0x4008AE90;

    /// <summary><c>KVM_SET_XCRS</c> (<c>_IOW</c>, 392 bytes).</summary>
    public const ulong SetXcrs = 0x4188AEA7;

    /// <summary><c>KVM_GET_FPU</c> (<c>_IOR</c>, <see cref="FpuSize"/> bytes).</summary>
    public const ulong GetFpu = 0x81A0AE8C;

    /// <summary><c>KVM_GET_VCPU_EVENTS</c> (<c>struct kvm_vcpu_events</c>, <see cref="VcpuEventsSize"/> bytes).</summary>
    public const ulong GetVcpuEvents = 0x8040AE9F;

    /// <summary>Bytes of <c>struct kvm_vcpu_events</c>.</summary>
    public const int VcpuEventsSize = 64;

    /// <summary><c>KVM_SET_VCPU_EVENTS</c> (<c>_IOW</c>, <see cref="VcpuEventsSize"/> bytes).</summary>
    public const ulong SetVcpuEvents = 0x4040AEA0;

    /// <summary>Offset of <c>exception.injected</c> in <c>struct kvm_vcpu_events</c>.</summary>
    public const int EventsExceptionInjectedOffset = 0;

    /// <summary>Offset of <c>exception.pending</c>.</summary>
    public const int EventsExceptionPendingOffset = 3;

    /// <summary><c>KVM_SET_FPU</c> (<c>_IOW</c>, <see cref="FpuSize"/> bytes).</summary>
    public const ulong SetFpu = 0x41A0AE8D;

    /// <summary>The size of <c>struct kvm_fpu</c>: <c>fpr[8][16]</c>, <c>fcw</c>, <c>fsw</c>, <c>ftwx</c>, a pad
    /// byte, <c>last_opcode</c>, <c>last_ip</c>, <c>last_dp</c>, <c>xmm[16][16]</c>, <c>mxcsr</c>, a pad word.</summary>
    public const int FpuSize = 416;

    /// <summary>Offset of <c>fcw</c> in <c>struct kvm_fpu</c> (the x87 registers come first, 16 bytes each).</summary>
    public const int FpuControlOffset = 128;

    /// <summary>Offset of <c>fsw</c>.</summary>
    public const int FpuStatusOffset = 130;

    /// <summary>Offset of <c>ftwx</c> (the abridged tag word, as in <c>fxsave</c>).</summary>
    public const int FpuTagOffset = 132;

    /// <summary>Offset of <c>last_opcode</c>.</summary>
    public const int FpuOpcodeOffset = 134;

    /// <summary>Offset of <c>last_ip</c>.</summary>
    public const int FpuLastIpOffset = 136;

    /// <summary>Offset of <c>last_dp</c>.</summary>
    public const int FpuLastDpOffset = 144;

    /// <summary>Offset of <c>xmm[0]</c>.</summary>
    public const int FpuXmmOffset = 152;

    /// <summary>Offset of <c>mxcsr</c>.</summary>
    public const int FpuMxcsrOffset = 408;

    /// <summary><c>KVM_CAP_USER_MEMORY</c>.</summary>
    public const int CapUserMemory = 3;

    /// <summary><c>KVM_CAP_NR_MEMSLOTS</c>.</summary>
    public const int CapMemorySlots = 10;

    /// <summary><c>KVM_CAP_XCRS</c>.</summary>
    public const int CapXcrs = 56;

    /// <summary><c>KVM_CAP_SYNC_REGS</c>: answers the mask of register sets <c>kvm_run</c> can carry.</summary>
    public const int CapSyncRegs = 74;

    /// <summary><c>KVM_CAP_IMMEDIATE_EXIT</c>.</summary>
    public const int CapImmediateExit = 136;

    /// <summary><c>KVM_SYNC_X86_REGS</c>: general registers travel in <c>kvm_run</c>.</summary>
    public const ulong SyncRegs = 1;

    /// <summary><c>KVM_SYNC_X86_SREGS</c>: special registers travel in <c>kvm_run</c>.</summary>
    public const ulong SyncSregs = 2;

    /// <summary><c>kvm_run.immediate_exit</c> (byte).</summary>
    public const int RunImmediateExitOffset = 1;

    /// <summary><c>kvm_run.exit_reason</c> (u32).</summary>
    public const int RunExitReasonOffset = 8;

    /// <summary><c>kvm_run.io</c> / <c>fail_entry</c> / <c>internal</c> (the exit union).</summary>
    public const int RunExitUnionOffset = 32;

    /// <summary><c>kvm_run.io.direction</c> (u8: <see cref="IoDirectionIn"/> or <see cref="IoDirectionOut"/>).</summary>
    public const int RunIoDirectionOffset = RunExitUnionOffset;

    /// <summary><c>kvm_run.io.size</c> (u8): bytes per port access.</summary>
    public const int RunIoSizeOffset = RunExitUnionOffset + 1;

    /// <summary><c>kvm_run.io.port</c> (u16) inside the union.</summary>
    public const int RunIoPortOffset = RunExitUnionOffset + 2;

    /// <summary><c>kvm_run.io.count</c> (u32): accesses in this exit (more than one for a string instruction).</summary>
    public const int RunIoCountOffset = RunExitUnionOffset + 4;

    /// <summary><c>kvm_run.io.data_offset</c> (u64): where in <c>kvm_run</c>'s mapping the data bytes are.</summary>
    public const int RunIoDataOffsetOffset = RunExitUnionOffset + 8;

    /// <summary><c>KVM_EXIT_IO_IN</c>: the guest reads the port; the host fills the data before the next run.</summary>
    public const byte IoDirectionIn = 0;

    /// <summary><c>KVM_EXIT_IO_OUT</c>: the guest wrote the port.</summary>
    public const byte IoDirectionOut = 1;

    /// <summary><c>kvm_run.kvm_valid_regs</c> (u64).</summary>
    public const int RunValidRegsOffset = 288;

    /// <summary><c>kvm_run.kvm_dirty_regs</c> (u64).</summary>
    public const int RunDirtyRegsOffset = 296;

    /// <summary><c>kvm_run.s.regs.regs</c> (<see cref="KvmRegs"/>).</summary>
    public const int RunSyncRegsOffset = 304;

    /// <summary><c>kvm_run.s.regs.sregs</c> (<see cref="KvmSregs"/>).</summary>
    public const int RunSyncSregsOffset = RunSyncRegsOffset + 144;

    /// <summary>The largest <c>kvm_run</c> offset this backend touches, plus what it reads there.</summary>
    public const int RunMinimumSize = RunSyncSregsOffset + 312;

    /// <summary>Largest number of entries asked of <c>KVM_GET_SUPPORTED_CPUID</c>.</summary>
    public const int MaxCpuidEntries = 256;

    /// <summary>Size of one <c>struct kvm_cpuid_entry2</c>.</summary>
    public const int CpuidEntrySize = 40;

    /// <summary>Size of the <c>struct kvm_cpuid2</c> and <c>struct kvm_msrs</c> headers.</summary>
    public const int ListHeaderSize = 8;

    /// <summary>Size of one <c>struct kvm_msr_entry</c>.</summary>
    public const int MsrEntrySize = 16;
}

/// <summary>Why <c>KVM_RUN</c> returned (<c>KVM_EXIT_*</c>, the ones this backend distinguishes).</summary>
internal enum KvmExitReason : uint
{
    /// <summary><c>KVM_EXIT_UNKNOWN</c>.</summary>
    Unknown = 0,

    /// <summary><c>KVM_EXIT_IO</c>: an <c>in</c>/<c>out</c> (the stub's way to call the host).</summary>
    Io = 2,

    /// <summary><c>KVM_EXIT_HLT</c>.</summary>
    Halt = 5,

    /// <summary><c>KVM_EXIT_MMIO</c>: an access to guest-physical memory no slot covers.</summary>
    Mmio = 6,

    /// <summary><c>KVM_EXIT_SHUTDOWN</c>: a triple fault.</summary>
    Shutdown = 8,

    /// <summary><c>KVM_EXIT_FAIL_ENTRY</c>: the hardware refused the guest state.</summary>
    FailEntry = 9,

    /// <summary><c>KVM_EXIT_INTR</c>: a signal interrupted the run.</summary>
    Interrupted = 10,

    /// <summary><c>KVM_EXIT_INTERNAL_ERROR</c>.</summary>
    InternalError = 17,
}

/// <summary><c>struct kvm_userspace_memory_region</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmMemoryRegion
{
    public uint Slot;
    public uint Flags;
    public ulong GuestPhysicalAddress;
    public ulong MemorySize;
    public ulong UserspaceAddress;
}

/// <summary><c>struct kvm_regs</c>: the general registers, RIP and RFLAGS.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}

/// <summary><c>struct kvm_segment</c>: a segment register with its hidden descriptor part.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type, Present, Dpl, DefaultBig, System, Long, Granularity, Available, Unusable, Padding;
}

/// <summary><c>struct kvm_dtable</c>: a descriptor-table register (GDTR, IDTR).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDescriptorTable
{
    public ulong Base;
    public ushort Limit;
    public ushort Padding0, Padding1, Padding2;
}

/// <summary><c>struct kvm_sregs</c>: segments, descriptor tables, control registers, EFER.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSregs
{
    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    public KvmDescriptorTable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
    public ulong InterruptBitmap0, InterruptBitmap1, InterruptBitmap2, InterruptBitmap3;
}

/// <summary><c>struct kvm_xcrs</c> with one <c>XCR0</c> entry.</summary>
[StructLayout(LayoutKind.Sequential, Size = 392)]
internal struct KvmXcrs
{
    public uint Count;
    public uint Flags;
    public uint Xcr0Index;
    public uint Reserved;
    public ulong Xcr0Value;
}
