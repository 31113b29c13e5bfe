using System;

namespace UserMemory.Linux.Cpu;

/// <summary>
/// One x86-64 CPU executing one guest task in 64-bit user mode: the only way the Linux layer runs guest code or
/// touches guest registers. The layer never names a concrete emulator or hypervisor; backends live in subfolders
/// (<c>Cpu/Unicorn/</c>, <c>Cpu/Kvm/</c>). A backend knows nothing about Linux semantics (signals, errno, syscall
/// numbers): it reports events and the kernel decides.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> Guest memory is the task's <c>AddrSpace</c> (given to the backend at construction); the
/// backend maps its guest view (<c>AddrSpace.GuestViewBase + address</c>) with the protections of the areas
/// (<c>AddrSpace.GetAreas()</c>, <c>MappingFlags.Read/Write/Execute</c>), never wider. The layer tells the backend
/// about every change through <see cref="MappingsChanged"/>; the backend re-reads the areas of that range before the
/// guest executes another instruction. The backend never allocates guest memory on its own.</para>
/// <para><b>Page faults.</b> When the guest touches an address the backend has no mapping for, or with an access the
/// mapping forbids, the backend ends the run with <see cref="CpuEventKind.PageFault"/> (address and access kind),
/// leaving RIP at the faulting instruction. The kernel then calls <c>AddrSpace.HandlePageFault(address, access |
/// User)</c>: when that succeeds it calls <see cref="MappingsChanged"/> for the page and runs again (the instruction
/// restarts); when it fails the task gets SIGSEGV. The backend must not call <c>HandlePageFault</c> itself, and must
/// not retry a fault on its own (the kernel detects a fault that repeats at the same RIP and address).</para>
/// <para><b>Threads.</b> <see cref="Run"/>, register access, <see cref="MappingsChanged"/> and
/// <see cref="FlushCode"/> are called by one thread at a time: the thread that runs this task (also from inside
/// <see cref="ICpuEventHandler.OnSyscall"/>, which runs on that thread), or, before a new thread's first run, the
/// thread that created it (<see cref="CreateThreadCpu"/>). The CPUs of one process's threads may run at the same time
/// on different host threads; a mapping change through any of them applies to all. Only <see cref="RequestStop"/> may be called
/// from any thread at any time, including while no run is in progress (then the next run returns
/// <see cref="CpuEventKind.Stopped"/> at once, or after at most one instruction).</para>
/// <para><b>Construction.</b> A backend is constructed with the task's <c>AddrSpace</c> (which has a guest view) and
/// starts with every register zero and nothing mapped; <c>GuestKernel.CreateCpu</c> is the one place a backend is
/// chosen. The kernel then writes RSP (and, for a fork child, every <see cref="CpuRegister"/>), calls
/// <see cref="MappingsChanged"/> for the whole user range, sets RIP and calls <see cref="Run"/>. Disposing the CPU
/// releases the backend's resources; the address space outlives it.</para>
/// <para><b>Hot path.</b> A syscall costs one <see cref="ReadSyscallRegisters"/> and one <see cref="Write"/> of
/// RAX; neither may allocate.</para>
/// </remarks>
public interface ICpu : IDisposable
{
    /// <summary>
    /// The kernel's callbacks; set once, before the first <see cref="Run"/>.
    /// </summary>
    ICpuEventHandler? Handler { get; set; }

    /// <summary>
    /// Runs the guest from the current RIP until an event the backend does not handle itself. Syscalls go to
    /// <see cref="ICpuEventHandler.OnSyscall"/> inside the run when the backend can (the run then continues).
    /// Pending <see cref="MappingsChanged"/> ranges are applied before the first instruction and before returning.
    /// </summary>
    /// <returns>Why the run ended. For <see cref="CpuEventKind.Stopped"/> and <see cref="CpuEventKind.Syscall"/>, RIP
    /// is where execution resumes; for a fault or exception, RIP is at the faulting instruction.</returns>
    /// <exception cref="InvalidOperationException">A handler threw (a layer bug), or the backend failed in a way
    /// that is not the guest's doing (e.g. the host refused a mapping).</exception>
    CpuEvent Run();

    /// <summary>Asks the current (or next) <see cref="Run"/> to return <see cref="CpuEventKind.Stopped"/> as soon as
    /// possible. Callable from any thread (a signal arriving, a time slice ending, the syscall handler wanting to
    /// change RIP or deliver a signal before the guest continues). Never blocks.</summary>
    void RequestStop();

    /// <summary>Reads one register.</summary>
    /// <param name="register">The register.</param>
    /// <returns>Its value (FS/GS base as the full 64-bit base address).</returns>
    ulong Read(CpuRegister register);

    /// <summary>Writes one register. Writing RIP inside <see cref="ICpuEventHandler.OnSyscall"/> is not supported
    /// (the backend advances RIP past the <c>syscall</c>); request a stop and write RIP after <see cref="Run"/>
    /// returned instead. FS/GS base take the full 64-bit base address.</summary>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    void Write(CpuRegister register, ulong value);

    /// <summary>Reads the syscall number and its six arguments at once (one call into the backend): RAX, RDI, RSI,
    /// RDX, R10, R8, R9 into <paramref name="values"/>[0..7].</summary>
    /// <param name="values">At least <see cref="SyscallRegisterCount"/> slots.</param>
    void ReadSyscallRegisters(Span<ulong> values);

    /// <summary>
    /// Tells the backend that the areas of <c>[start, end)</c> changed (mapped, unmapped, protections changed, a
    /// page populated after a fault). The backend re-mirrors the range from the address space before the guest runs
    /// another instruction. When called inside <see cref="ICpuEventHandler.OnSyscall"/> the backend may end the run
    /// with <see cref="CpuEventKind.Stopped"/> to do so (Unicorn must: its regions cannot change under a running
    /// translation block); the kernel treats a stop it did not ask for as "run again". It also drops translated
    /// code of the range where the backend caches any.
    /// </summary>
    /// <param name="start">The first byte (rounded down to a page by the backend).</param>
    /// <param name="end">One past the last byte (rounded up to a page by the backend).</param>
    void MappingsChanged(ulong start, ulong end);

    /// <summary>Drops translated code of <c>[start, end)</c> after the guest's code bytes changed there without a
    /// mapping change (e.g. the kernel wrote into executable memory). A backend that runs code natively does
    /// nothing.</summary>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    void FlushCode(ulong start, ulong end);

    /// <summary>How many separate mappings (regions, memory slots) the backend holds now; with
    /// <see cref="MaxMappedRegions"/>, lets <c>mmap</c>/<c>mprotect</c> answer ENOMEM before the backend runs out.</summary>
    int MappedRegionCount { get; }

    /// <summary>The most mappings the backend supports well (Unicorn 2.0.1 slows down with many regions and aborts
    /// past about 4 000; KVM has tens of thousands of memory slots).</summary>
    int MaxMappedRegions { get; }

    /// <summary>Creates the CPU of a new thread of this CPU's process (<c>clone</c> with <c>CLONE_VM</c>): it shares this
    /// CPU's memory view and starts with a copy of this CPU's registers as they will be when the syscall being handled
    /// returns (RIP after the <c>syscall</c>); the kernel then writes the child's RSP, RAX, FS base. Called on this
    /// CPU's thread, inside <see cref="ICpuEventHandler.OnSyscall"/>. Every method of the new CPU may be called from its
    /// own thread while this one runs on another; a backend that cannot run threads returns null.</summary>
    /// <returns>The new CPU (disposed by its task when the thread ends), or null.</returns>
    ICpu? CreateThreadCpu() => null;

    /// <summary>Saves the SSE/x87 control state a signal handler may clobber into an <c>fxsave</c>-format area (512
    /// bytes: FCW at 0, FSW at 2, MXCSR at 24, XMM0-15 at 160), as Linux does in a signal frame. A backend that cannot
    /// returns false and leaves the area untouched.</summary>
    /// <param name="area">At least <see cref="FxsaveSize"/> bytes.</param>
    /// <returns>True when saved.</returns>
    bool SaveVectorState(Span<byte> area) => false;

    /// <summary>Restores what <see cref="SaveVectorState"/> saved (the guest may have changed it in its frame).</summary>
    /// <param name="area">At least <see cref="FxsaveSize"/> bytes.</param>
    void RestoreVectorState(ReadOnlySpan<byte> area)
    {
    }

    /// <summary>The size of an <c>fxsave</c> area.</summary>
    const int FxsaveSize = 512;

    /// <summary>The number of values <see cref="ReadSyscallRegisters"/> fills.</summary>
    const int SyscallRegisterCount = 7;
}
