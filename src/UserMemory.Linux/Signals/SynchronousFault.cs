using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// A CPU fault or exception the guest caused (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP): as Linux's
/// <c>force_sig_fault</c>, the signal goes to the faulting task with <c>si_code</c> and <c>si_addr</c> and the CPU's
/// trap number, error code and fault address in the frame's <c>ucontext</c>. When the guest has a handler and does
/// not block the signal, the handler runs; otherwise (default, ignored or blocked) the process dies by the signal.
/// </summary>
internal static class SynchronousFault
{
    /// <summary>Delivers a synchronous fault; returns where the task resumes (the handler), or never returns.</summary>
    /// <param name="t">The faulting task.</param>
    /// <param name="signal">The signal.</param>
    /// <param name="code">The si_code.</param>
    /// <param name="address">si_addr.</param>
    /// <param name="rip">Where the fault left RIP (the faulting instruction, or after a trap).</param>
    /// <param name="vector">The x86 vector (the frame's trapno).</param>
    /// <param name="errorCode">The exception's error code.</param>
    /// <returns>The address to resume at.</returns>
    internal static ulong Deliver(Task t, int signal, int code, ulong address, ulong rip, int vector = 0, ulong errorCode = 0)
    {
        ulong handler = t.Group.SignalHandlers[signal];
        if (handler <= 1 || (t.SignalMask & SignalNumber.Bit(signal)) != 0)
        {
            t.Group.Terminate(signal); // force_sig: a blocked or ignored fault signal kills, as its default does
        }

        var info = new SigInfo { Signal = signal, Code = code, Address = address };
        var context = new FaultContext((ulong)vector, errorCode, signal == SignalNumber.SIGSEGV || signal == SignalNumber.SIGBUS ? address : 0);
        t.LastTrap = context;
        return Deliver(t, signal, info, context, rip);
    }

    /// <summary>Linux's <c>force_sig(SIGSEGV)</c> from inside the kernel (a vsyscall it refuses to emulate): SIGSEGV
    /// SI_KERNEL with si_addr 0, and the frame's trap number, error code and CR2 still the thread's last ones
    /// (<see cref="Task.LastTrap"/>), which nothing here changes.</summary>
    /// <param name="t">The task.</param>
    /// <param name="rip">Where RIP stays.</param>
    /// <returns>The address to resume at.</returns>
    internal static ulong DeliverKernelSegv(Task t, ulong rip)
    {
        int signal = SignalNumber.SIGSEGV;
        ulong handler = t.Group.SignalHandlers[signal];
        if (handler <= 1 || (t.SignalMask & SignalNumber.Bit(signal)) != 0)
        {
            t.Group.Terminate(signal);
        }

        return Deliver(t, signal, new SigInfo { Signal = signal, Code = SignalCode.Kernel }, t.LastTrap, rip);
    }

    private static ulong Deliver(Task t, int signal, SigInfo info, FaultContext context, ulong rip)
    {
        GroupSignals g = t.Group.Signals;
        lock (g.Lock)
        {
            t.Signals.Private.Discard(signal);
            _ = t.Signals.Private.Add(info);
        }

        t.Signals.Fault = context;
        return SignalDelivery.AfterStop(t, rip);
    }

    /// <summary>Linux's signal and si_code for a user page fault at <paramref name="address"/> the address space
    /// refused: SIGBUS BUS_ADRERR past the end of a shared file mapping, else SIGSEGV (<see cref="SegvCode"/>).</summary>
    /// <param name="space">The address space.</param>
    /// <param name="address">The fault address.</param>
    /// <param name="access">The access that faulted.</param>
    /// <returns>The signal and si_code.</returns>
    internal static (int Signal, int Code) ForPageFault(AddrSpace space, ulong address, MappingFlags access) =>
        space.IsPastEndOfFile(new VirtAddr(address), access)
            ? (SignalNumber.SIGBUS, SignalCode.BusAddressError)
            : (SignalNumber.SIGSEGV, SegvCode(space, address));

    /// <summary>The SIGSEGV code for a page fault at <paramref name="address"/>: SEGV_ACCERR when an area maps it (the
    /// protection forbade the access), else SEGV_MAPERR.</summary>
    /// <param name="space">The address space.</param>
    /// <param name="address">The fault address.</param>
    /// <returns>The si_code.</returns>
    internal static int SegvCode(AddrSpace space, ulong address) =>
        VirtAddrRange.TryFromStartSize(new VirtAddr(Pages.AlignDown4K(address)), Pages.Size4K, out VirtAddrRange page)
        && space.CheckRegionAccess(page, MappingFlags.None)
            ? SignalCode.SegvAccessError
            : SignalCode.SegvMapError; // the last page of the 64-bit space is never a user area

    /// <summary>Linux's signal, si_code and si_addr for an x86 exception at <paramref name="rip"/>. A #DB the guest
    /// raised (<c>int1</c>/<c>icebp</c>, no debug register hit) is Linux's <c>send_sigtrap</c>: TRAP_BRKPT with si_addr
    /// at the saved RIP; <c>int3</c> is SI_KERNEL with si_addr 0; #GP and the other vectors SIGSEGV SI_KERNEL.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="rip">The faulting instruction.</param>
    /// <returns>The triple.</returns>
    internal static (int Signal, int Code, ulong Address) ForVector(int vector, ulong rip) => vector switch
    {
        X86Vector.DivideError => (SignalNumber.SIGFPE, SignalCode.FpeIntegerDivide, rip),
        X86Vector.Debug => (SignalNumber.SIGTRAP, SignalCode.TrapBreakpoint, rip), // icebp: send_sigtrap(regs, 0, TRAP_BRKPT)
        X86Vector.Breakpoint => (SignalNumber.SIGTRAP, SignalCode.Kernel, 0),
        X86Vector.InvalidOpcode => (SignalNumber.SIGILL, SignalCode.IllegalOperand, rip),
        X86Vector.FloatingPoint or X86Vector.SimdFloatingPoint => (SignalNumber.SIGFPE, SignalCode.FpeFloatInvalid, rip),
        X86Vector.AlignmentCheck => (SignalNumber.SIGBUS, SignalCode.BusAlignment, 0),
        _ => (SignalNumber.SIGSEGV, SignalCode.Kernel, 0),
    };
}
