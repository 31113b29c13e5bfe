using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>Why <see cref="KvmVcpu.Run"/> returned.</summary>
public enum KvmEventKind
{
    /// <summary>The guest executed <c>syscall</c>: the number is in RAX, arguments in RDI, RSI, RDX, R10, R8, R9;
    /// put the result in RAX and run again.</summary>
    Syscall,

    /// <summary>A page fault the address space did not allow (no area, wrong permission, or over the memory limit):
    /// <see cref="KvmEvent.Address"/> and <see cref="KvmEvent.Access"/> say which access; Linux would send SIGSEGV.
    /// Faults on lazy pages the space allows never show up here: the backend populates and maps them.</summary>
    PageFault,

    /// <summary>Another CPU exception in user mode (<see cref="KvmEvent.Vector"/>, <see cref="KvmEvent.ErrorCode"/>).</summary>
    Exception,

    /// <summary><see cref="KvmVcpu.RequestStop"/> took effect; the registers are the task's user state.</summary>
    Stopped,

    /// <summary>The VM cannot continue (a triple fault, a fault inside the stub, KVM refused the state): end the
    /// task; <see cref="KvmEvent.Vector"/> holds the exit reason or vector, <see cref="KvmEvent.ErrorCode"/> a
    /// detail.</summary>
    Fatal,
}

/// <summary>What stopped a vCPU.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Vector">The exception vector (<see cref="KvmEventKind.PageFault"/>, <see cref="KvmEventKind.Exception"/>),
/// or the KVM exit reason (<see cref="KvmEventKind.Fatal"/>).</param>
/// <param name="ErrorCode">The exception's error code (0 when it has none), or an errno for a failed <c>KVM_RUN</c>.</param>
/// <param name="Address">The faulting address (CR2) of a page fault.</param>
/// <param name="Access">The access of a page fault (Read, Write or Execute, with User).</param>
public readonly record struct KvmEvent(KvmEventKind Kind, int Vector = 0, ulong ErrorCode = 0, ulong Address = 0, MappingFlags Access = MappingFlags.None);
