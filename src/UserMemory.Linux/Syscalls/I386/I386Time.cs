using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls.I386;

/// <summary>The i386 <c>time</c> (Linux's <c>compat_sys_time</c>): the seconds as a signed 32-bit value, stored in the
/// 4 bytes at the pointer when it is not null, and returned sign-extended.</summary>
internal static class I386Time
{
    /// <summary><c>time(tloc)</c>.</summary>
    /// <param name="task">The calling task.</param>
    /// <param name="args">EBX: where to store the 32-bit time, or 0.</param>
    /// <returns>The time or -EFAULT.</returns>
    public static long Time(Task task, ReadOnlySpan<ulong> args)
    {
        long now = SyscallTable.Lookup((long)SyscallNumber.Time)!.Handler(task, [0, 0, 0, 0, 0, 0]);
        int seconds = unchecked((int)now); // old_time32_t
        ulong tloc = args[0];
        return tloc != 0 && task.WriteI32(tloc, seconds) < 0 ? -(long)LinuxError.EFAULT : seconds;
    }
}
