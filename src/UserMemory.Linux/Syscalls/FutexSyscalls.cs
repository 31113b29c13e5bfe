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
        b.Add(SyscallNumber.Futex, SupportLevel.Partial, "one thread: a wait on a matching value sleeps until its timeout (ETIMEDOUT) or a signal (EINTR); wakes wake nobody", static (t, a) => Futex(t, a[0], a[1], (uint)a[2], a[3], a[5]));
        b.Add(SyscallNumber.SetTidAddress, SupportLevel.Partial, "the address is not recorded; returns the tid", static (t, a) => t.Group.Pid);
        b.Add(SyscallNumber.SetRobustList, SupportLevel.Stub, "accepted and ignored", static (t, a) => 0);
        b.Add(SyscallNumber.Rseq, SupportLevel.Unsupported, "libcs run without it", static (t, a) => Errno(LinuxError.ENOSYS));
    }

    private const ulong FutexAlignment = sizeof(uint);
    private const int ClockMonotonic = 1;
    private const int ClockRealtime = 0;

    private static long Futex(Task t, ulong address, ulong op, uint value, ulong timeoutAddr, ulong bitset)
    {
        var command = (FutexOperation)((int)op & (int)FutexOperation.CommandMask);
        bool realtime = ((int)op & (int)FutexOperation.ClockRealtime) != 0;
        if (command > FutexOperation.LockPi2)
        {
            return Errno(LinuxError.ENOSYS);
        }

        if (realtime && command is not (FutexOperation.WaitBitset or FutexOperation.WaitRequeuePi or FutexOperation.LockPi2))
        {
            return Errno(LinuxError.ENOSYS);
        }

        if (command is not (FutexOperation.Wait or FutexOperation.WaitBitset))
        {
            return 0; // one guest thread: nobody to wake or requeue
        }

        long timeoutNs = -1;
        if (timeoutAddr != 0)
        {
            long r = TimeSyscalls.ReadTimespec(t, timeoutAddr, out timeoutNs);
            if (r < 0)
            {
                return r;
            }

            if (command == FutexOperation.WaitBitset)
            {
                // FUTEX_WAIT_BITSET takes an absolute time on CLOCK_MONOTONIC (or CLOCK_REALTIME).
                long now = TimeSyscalls.ClockNow(realtime ? ClockRealtime : ClockMonotonic);
                timeoutNs = Math.Max(0, timeoutNs - Math.Max(0, now));
            }
        }

        if (command == FutexOperation.WaitBitset && (uint)bitset == 0)
        {
            return Einval;
        }

        if (address % FutexAlignment != 0)
        {
            return Einval;
        }

        Span<byte> word = stackalloc byte[sizeof(uint)];
        if (t.CopyIn(address, word) < 0)
        {
            return Efault;
        }

        if (BitConverter.ToUInt32(word) != value)
        {
            return Errno(LinuxError.EAGAIN);
        }

        if (InterruptibleWait.Sleep(t, timeoutNs))
        {
            return timeoutNs < 0 ? RestartCode.RestartSys : RestartCode.RestartBlock;
        }

        return Errno(LinuxError.ETIMEDOUT);
    }
}
