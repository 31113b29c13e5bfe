using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>futex and the thread bookkeeping syscalls around it (set_tid_address,
/// set_robust_list, rseq). One thread per group today: nobody else can wake a waiter.</summary>
internal static class FutexSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Futex, SupportLevel.Stub, "one thread: waits answer EAGAIN, wakes wake nobody", static (t, a) => Futex(t, a[1]));
        b.Add(SyscallNumber.SetTidAddress, SupportLevel.Partial, "the address is not recorded; returns the tid", static (t, a) => t.Group.Pid);
        b.Add(SyscallNumber.SetRobustList, SupportLevel.Stub, "accepted and ignored", static (t, a) => 0);
        b.Add(SyscallNumber.Rseq, SupportLevel.Unsupported, "libcs run without it", static (t, a) => Errno(LinuxError.ENOSYS));
    }

    private static long Futex(Task t, ulong op)
    {
        // One guest thread: nobody else can wake a waiter or be woken.
        return (FutexOperation)((int)op & (int)FutexOperation.CommandMask) switch
        {
            FutexOperation.Wait or FutexOperation.WaitBitset => -(long)LinuxError.EAGAIN,
            _ => 0,
        };
    }
}
