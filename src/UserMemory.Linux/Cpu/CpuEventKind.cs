namespace UserMemory.Linux.Cpu;

/// <summary>Why <see cref="ICpu.Run"/> returned.</summary>
public enum CpuEventKind
{
    /// <summary>The guest executed <c>syscall</c> and the backend did not handle it through
    /// <see cref="ICpuEventHandler.OnSyscall"/> itself (a backend without the in-hook fast path). RIP is at the
    /// instruction after <c>syscall</c>; the kernel dispatches it and runs again.</summary>
    Syscall,

    /// <summary>A guest access the backend could not satisfy from its current mappings:
    /// <see cref="CpuEvent.Address"/> and <see cref="CpuEvent.Access"/> say which. RIP is at the faulting
    /// instruction, which runs again after the kernel resolved the fault.</summary>
    PageFault,

    /// <summary>A CPU exception other than a page fault (divide error, breakpoint, invalid opcode, general
    /// protection...): <see cref="CpuEvent.Vector"/> and <see cref="CpuEvent.ErrorCode"/>.</summary>
    Exception,

    /// <summary>The run ended because <see cref="ICpu.RequestStop"/> was called (from a handler or another thread).
    /// RIP is where execution resumes.</summary>
    Stopped,

    /// <summary>The guest executed <c>hlt</c> (or the backend's equivalent). Linux answers a user-mode
    /// <c>hlt</c> with SIGSEGV.</summary>
    Halted,
}
