using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Kernel;

/// <summary>Synchronous faults: the one place where a CPU event the kernel cannot resolve becomes a signal.</summary>
public sealed partial class Task
{
    /// <summary>
    /// Delivers a synchronous fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) raised by the instruction at the
    /// current RIP. Today the task's group is terminated by the signal, as if the guest had no handler; delivering it
    /// to a guest handler (with <c>si_code</c> and <c>si_addr</c>) belongs here.
    /// </summary>
    /// <param name="signal">The signal.</param>
    /// <param name="siCode">Linux's <c>si_code</c> (<see cref="FaultCode"/>).</param>
    /// <param name="address">Linux's <c>si_addr</c>: the faulting address, or the instruction's.</param>
    internal void RaiseSynchronousFault(int signal, int siCode, ulong address)
    {
        _ = siCode;
        _ = address;
        Group.Terminate(signal);
    }

    /// <summary>SEGV_MAPERR when no area holds <paramref name="address"/>, SEGV_ACCERR when one does.</summary>
    private int SegvCodeFor(ulong address) =>
        Space.CheckRegionAccess(VirtAddrRange.FromStartSize(new VirtAddr(Pages.AlignDown4K(address)), Pages.Size4K), MappingFlags.None)
            ? FaultCode.SegvAccessError
            : FaultCode.SegvMapError;

    /// <summary>Turns an exception vector into its signal, si_code and si_addr, and raises it.</summary>
    private void RaiseForVector(int vector, ulong rip)
    {
        switch (vector)
        {
            case X86Vector.DivideError:
                RaiseSynchronousFault(SignalNumber.SIGFPE, FaultCode.IntegerDivide, rip);
                break;
            case X86Vector.Debug or X86Vector.Breakpoint:
                RaiseSynchronousFault(SignalNumber.SIGTRAP, FaultCode.Breakpoint, 0);
                break;
            case X86Vector.InvalidOpcode:
                RaiseSynchronousFault(SignalNumber.SIGILL, FaultCode.IllegalOperand, rip);
                break;
            default:
                RaiseSynchronousFault(SignalNumber.SIGSEGV, FaultCode.Kernel, 0);
                break;
        }
    }
}
