using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Kernel;

public sealed partial class Task
{
    /// <summary>The trap number, error code and fault address of this thread's last CPU fault (Linux's
    /// <c>thread.trap_nr</c>, <c>error_code</c> and <c>cr2</c>): a SIGSEGV the kernel raises without a fault of its own
    /// (<see cref="SynchronousFault.DeliverKernelSegv"/>) shows them in its frame. Zero before the first fault.</summary>
    internal FaultContext LastTrap { get; set; }
}
