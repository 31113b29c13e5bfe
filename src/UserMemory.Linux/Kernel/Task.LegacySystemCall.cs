using UserMemory.Linux.Cpu;
using UserMemory.Linux.Syscalls.I386;

namespace UserMemory.Linux.Kernel;

public sealed partial class Task
{
    /// <summary>Runs the i386 system call of an <c>int $0x80</c> (<see cref="LegacySystemCall"/>) that stopped the CPU
    /// with RIP after the instruction, then delivers pending signals, as the <c>syscall</c> path does.</summary>
    /// <param name="rip">RIP after the <c>int $0x80</c>.</param>
    /// <returns>True when the run loop must end (the thread exited).</returns>
    private bool RunLegacySystemCall(ulong rip)
    {
        _lastFaultRip = ulong.MaxValue; // a system call is progress
        Cpu.Write(CpuRegister.Rip, rip - SoftwareInterrupt.IntLength); // handlers see RIP at the instruction
        LegacySystemCall.Run(this);
        Cpu.Write(CpuRegister.Rip, rip);
        if (ExitRequested || Replacement is not null)
        {
            return true;
        }

        ResumeAfterStop(rip);
        return false;
    }
}
