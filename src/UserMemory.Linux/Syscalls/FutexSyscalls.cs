using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>futex and the thread bookkeeping syscalls around it (set_tid_address, set_robust_list,
/// get_robust_list, rseq). The wait queues are the group's <see cref="FutexTable"/>.</summary>
internal static class FutexSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Futex, SupportLevel.Partial, "WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP; shared futexes on MAP_SHARED memory are the host's (they work across processes), the others are per address in this process; the PI operations are ENOSYS", static (t, a) => Futex(t, a[0], a[1], (uint)a[2], a[3], a[4], (uint)a[5]));
        b.Add(SyscallNumber.SetTidAddress, SupportLevel.Full, "", static (t, a) => SetTidAddress(t, a[0]));
        b.Add(SyscallNumber.SetRobustList, SupportLevel.Partial, "walked when a thread exits alone (owner-died and a wake); not at exit_group or a fatal signal", static (t, a) => SetRobustList(t, a[0], a[1]));
        b.Add(SyscallNumber.GetRobustList, SupportLevel.Full, "", static (t, a) => GetRobustList(t, (int)a[0], a[1], a[2]));
        b.Add(SyscallNumber.Rseq, SupportLevel.Unsupported, "libcs run without it", static (t, a) => Errno(LinuxError.ENOSYS));
    }

    private const int ClockMonotonic = 1;
    private const int ClockRealtime = 0;
    private const int PrivateFlag = 128;

    // FUTEX_WAKE_OP's encoding: op in bits 28-30 (bit 31 shifts the operand), comparison in 24-27, operand 12-23,
    // comparison operand 0-11 (both 12-bit signed).
    private const int WakeOpShiftFlag = 8;
    private const int WakeOpMaxOperation = 4;
    private const int WakeOpMaxComparison = 5;
    private const int WakeOpFieldBits = 12;
    private const int WakeOpFieldMask = 0xfff;
    private const int WakeOpMaxShift = 31;

    /// <summary>The end of x86-64 user space (<c>TASK_SIZE_MAX</c>, 4-level paging): <c>access_ok</c>'s bound.</summary>
    private const ulong UserAddressLimit = 0x7fff_ffff_f000;

    private static long Futex(Task t, ulong address, ulong op, uint value, ulong timeoutAddr, ulong address2, uint value3)
    {
        var command = (FutexOperation)((int)op & (int)FutexOperation.CommandMask);
        bool realtime = ((int)op & (int)FutexOperation.ClockRealtime) != 0;
        bool shared = ((int)op & PrivateFlag) == 0;
        if (realtime && command is not (FutexOperation.WaitBitset or FutexOperation.WaitRequeuePi or FutexOperation.LockPi2))
        {
            return Errno(LinuxError.ENOSYS);
        }

        switch (command)
        {
            case FutexOperation.Wait:
                return Wait(t, address, value, timeoutAddr, FutexTable.AnyBit, absolute: false, realtime, shared);
            case FutexOperation.WaitBitset:
                return value3 == 0 ? Einval : Wait(t, address, value, timeoutAddr, value3, absolute: true, realtime, shared);
            case FutexOperation.Wake:
                return Wake(t, address, value, FutexTable.AnyBit, shared);
            case FutexOperation.WakeBitset:
                return value3 == 0 ? Einval : Wake(t, address, value, value3, shared);
            case FutexOperation.Requeue:
            case FutexOperation.CompareRequeue:
            {
                // The second count travels in the timeout argument.
                int wake = (int)value, requeue = (int)timeoutAddr;
                if (wake < 0 || requeue < 0)
                {
                    return Einval;
                }

                long key = CheckKey(address);
                long key2 = key < 0 ? key : CheckKey(address2);
                if (key2 < 0)
                {
                    return key2;
                }

                if (shared && (!IsMappedWord(t, address) || !IsMappedWord(t, address2)))
                {
                    return Efault; // both shared keys come from their pages, which must exist
                }

                uint? compare = command == FutexOperation.CompareRequeue ? value3 : null;
                long onHost = shared ? SharedFutex.Requeue(t, address, address2, wake, requeue, compare) : SharedFutex.NotShared;
                return onHost != SharedFutex.NotShared ? onHost : t.Group.Futexes.Requeue(t, address, address2, wake, requeue, compare);
            }

            case FutexOperation.WakeOp:
                return WakeOp(t, address, address2, (int)value, (int)timeoutAddr, value3, shared);
            default:
                return Errno(LinuxError.ENOSYS);
        }
    }

    private static bool IsAligned(ulong address) => address % sizeof(uint) == 0;

    /// <summary>Linux's <c>get_futex_key</c> checks, made for private futexes too, whose key is the address alone: a
    /// misaligned word is EINVAL, a word outside user space (a kernel or non-canonical address) EFAULT, even for a
    /// FUTEX_WAKE that never reads it.</summary>
    private static long CheckKey(ulong address) =>
        !IsAligned(address) ? Einval : address > UserAddressLimit - sizeof(uint) ? Efault : 0;

    private static long Wait(Task t, ulong address, uint value, ulong timeoutAddr, uint bitset, bool absolute, bool realtime, bool shared)
    {
        long timeoutNs = -1;
        if (timeoutAddr != 0)
        {
            long r = TimeSyscalls.ReadTimespec(t, timeoutAddr, out timeoutNs);
            if (r < 0)
            {
                return r;
            }

            if (absolute)
            {
                // FUTEX_WAIT_BITSET takes an absolute time on CLOCK_MONOTONIC (or CLOCK_REALTIME).
                long now = TimeSyscalls.ClockNow(realtime ? ClockRealtime : ClockMonotonic);
                timeoutNs = Math.Max(0, timeoutNs - Math.Max(0, now));
            }
        }

        FutexTable.WaitOutcome outcome = FutexTable.WaitOutcome.TimedOut;
        long result = shared ? SharedFutex.Wait(t, address, value, bitset, timeoutNs, out outcome) : SharedFutex.NotShared;
        if (result == SharedFutex.NotShared)
        {
            result = t.Group.Futexes.Wait(t, address, value, bitset, timeoutNs, out outcome);
        }

        if (result < 0)
        {
            return result;
        }

        return outcome switch
        {
            FutexTable.WaitOutcome.Woken => 0,
            FutexTable.WaitOutcome.Interrupted => timeoutNs < 0 ? RestartCode.RestartSys : RestartCode.RestartBlock,
            _ => Errno(LinuxError.ETIMEDOUT),
        };
    }

    private static long Wake(Task t, ulong address, uint count, uint bitset, bool shared)
    {
        long key = CheckKey(address);
        if (key < 0)
        {
            return key;
        }

        if (shared && !IsMappedWord(t, address))
        {
            return Efault; // a shared futex's key comes from the page, which must exist
        }

        int most = (int)Math.Min(count, int.MaxValue);
        long onHost = shared ? SharedFutex.Wake(t, address, most, bitset) : SharedFutex.NotShared;
        return onHost != SharedFutex.NotShared ? onHost : t.Group.Futexes.Wake(t, address, most, bitset);
    }

    /// <summary>Whether the futex word at <paramref name="address"/> can be read (a shared key needs its page).</summary>
    private static bool IsMappedWord(Task t, ulong address) =>
        UserCopy.AtomicLoad32(t.Space, UserConstPtr<uint>.FromAddress(new VirtAddr(address))).TryGetValue(out _);

    private static long WakeOp(Task t, ulong address, ulong address2, int wake, int wake2, uint encoded, bool shared)
    {
        if (!IsAligned(address) || !IsAligned(address2))
        {
            return Einval;
        }

        int opField = (int)(encoded >> 28);
        int compare = (int)((encoded >> 24) & 0xf);
        int operand = SignExtend12((int)((encoded >> WakeOpFieldBits) & WakeOpFieldMask));
        int compareOperand = SignExtend12((int)(encoded & WakeOpFieldMask));
        int operation = opField & ~WakeOpShiftFlag;
        if (operation > WakeOpMaxOperation || compare > WakeOpMaxComparison)
        {
            return Errno(LinuxError.ENOSYS);
        }

        if ((opField & WakeOpShiftFlag) != 0)
        {
            operand = 1 << (operand & WakeOpMaxShift);
        }

        long onHost = shared ? SharedFutex.WakeOp(t, address, address2, Math.Max(0, wake), Math.Max(0, wake2), encoded) : SharedFutex.NotShared;
        return onHost != SharedFutex.NotShared
            ? onHost
            : t.Group.Futexes.WakeOp(t, address, address2, Math.Max(0, wake), Math.Max(0, wake2), (UserAtomicOp)operation, unchecked((uint)operand), compare, compareOperand);
    }

    private static int SignExtend12(int field) => (field << (32 - WakeOpFieldBits)) >> (32 - WakeOpFieldBits);

    private static long SetTidAddress(Task t, ulong address)
    {
        t.ClearChildTid = address;
        return t.Tid;
    }

    private static long SetRobustList(Task t, ulong head, ulong length)
    {
        if (length != Task.RobustListHeadSize)
        {
            return Einval;
        }

        t.RobustListHead = head;
        return 0;
    }

    private static long GetRobustList(Task t, int tid, ulong headAddr, ulong lengthAddr)
    {
        Task? target = tid == 0 ? t : t.Group.FindTask(tid);
        if (target is null)
        {
            return -(long)LinuxError.ESRCH;
        }

        if (t.WriteU64(headAddr, target.RobustListHead) < 0 || t.WriteU64(lengthAddr, Task.RobustListHeadSize) < 0)
        {
            return Efault;
        }

        return 0;
    }
}
