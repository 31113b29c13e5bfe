using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls.I386;

/// <summary>
/// <c>int $0x80</c> in a 64-bit process: Linux (IA32 emulation) runs the i386 system call. The number is EAX (the
/// upper half of RAX is ignored), the arguments are EBX, ECX, EDX, ESI, EDI and EBP zero-extended (so a pointer reaches
/// the low 4 GiB only), and the result goes to RAX as the 64-bit value the call returns (<c>-errno</c> sign-extended).
/// Every other register keeps its value. A number the table (<see cref="I386SyscallTable"/>) does not hold, including
/// a negative EAX, answers ENOSYS. An interrupted call restarts with the i386 number back in RAX.
/// </summary>
internal static class LegacySystemCall
{
    /// <summary>EBX, ECX, EDX, ESI, EDI, EBP: the i386 argument registers in order.</summary>
    private static ReadOnlySpan<CpuRegister> ArgumentRegisters =>
        [CpuRegister.Rbx, CpuRegister.Rcx, CpuRegister.Rdx, CpuRegister.Rsi, CpuRegister.Rdi, CpuRegister.Rbp];

    /// <summary>Runs the i386 call the task's registers hold and writes its result to RAX.</summary>
    /// <param name="task">The calling task (RIP at the <c>int $0x80</c>, as a syscall handler sees it).</param>
    /// <returns>The i386 number (what strace-style statistics record).</returns>
    public static long Run(Task task)
    {
        ICpu cpu = task.Cpu;
        ulong number = (uint)cpu.Read(CpuRegister.Rax); // Linux: orig_ax = ax & GENMASK(31, 0)
        ReadOnlySpan<CpuRegister> registers = ArgumentRegisters;
        Span<ulong> args = stackalloc ulong[registers.Length];
        for (int i = 0; i < registers.Length; i++)
        {
            args[i] = (uint)cpu.Read(registers[i]);
        }

        // A restart puts the i386 number back in RAX; the trace names the x86-64 call that ran.
        if (I386SyscallTable.Lookup(number) is { } entry)
        {
            long equivalent = (long)entry.Equivalent;
            task.BeginSyscall(equivalent, args);
            long result = entry.Handler(task, args);
            task.EndSyscall(equivalent, (long)number, args, result);
        }
        else
        {
            task.CompleteSyscall((long)number, -(long)LinuxError.ENOSYS);
        }

        return (long)number;
    }
}
