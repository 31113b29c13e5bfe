namespace UserMemory.Linux.Cpu;

/// <summary>
/// The kernel side of a CPU backend: what the backend calls while a run is in progress. Implemented by the kernel's
/// task runner; a backend holds exactly one.
/// </summary>
public interface ICpuEventHandler
{
    /// <summary>
    /// Handles one <c>syscall</c> instruction without ending the run (the fast path). Called on the thread that is
    /// inside <see cref="ICpu.Run"/>, synchronously, while the guest is paused at the instruction.
    /// </summary>
    /// <remarks>
    /// <para>During the call, <see cref="ICpu.ReadSyscallRegisters"/>, <see cref="ICpu.Read"/> and
    /// <see cref="ICpu.Write"/> work, RIP reads as the address of the <c>syscall</c> instruction itself, and the
    /// handler writes the result to RAX. When the call returns, the backend continues after the instruction
    /// (RIP + 2), unless <see cref="ICpu.RequestStop"/> was called, in which case <see cref="ICpu.Run"/> returns
    /// <see cref="CpuEventKind.Stopped"/> with RIP after the instruction.</para>
    /// <para>The handler may call <see cref="ICpu.MappingsChanged"/>; the backend applies it before the guest runs
    /// another instruction. An exception thrown by the handler is a layer bug: the backend must not let it cross
    /// native frames; it stops the run and rethrows it (wrapped) from <see cref="ICpu.Run"/>.</para>
    /// <para>A backend that cannot call back from inside a run (e.g. one that leaves the guest on every syscall)
    /// returns <see cref="CpuEventKind.Syscall"/> from <see cref="ICpu.Run"/> instead, with RIP already after the
    /// instruction; the kernel then calls this same method itself.</para>
    /// </remarks>
    /// <param name="cpu">The CPU that executed the instruction.</param>
    void OnSyscall(ICpu cpu);
}
