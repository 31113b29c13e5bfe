using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Setup and system-information syscalls: arch_prctl, prctl,
/// sched_yield, uname, sysinfo, getpriority/setpriority.</summary>
internal static class MiscSyscalls
{
    private const ulong PrSetName = 15;
    private const ulong PrGetName = 16;
    private const ulong PrGetParentDeathSignal = 2;
    private const ulong PrGetChildSubreaper = 37;
    private const ulong PrGetTidAddress = 40;
    private const ulong PrGetDumpable = 3;
    private const ulong PrSetDumpable = 4;

    /// <summary>prctl options whose plain integer arguments the host checks and applies to the runner process,
    /// which is the guest process: PR_SET_PDEATHSIG (1), PR_GET_KEEPCAPS/
    /// PR_SET_KEEPCAPS (7, 8), PR_GET_SECCOMP (21), PR_CAPBSET_READ (23), PR_SET_TIMERSLACK/PR_GET_TIMERSLACK (29,
    /// 30), PR_SET_CHILD_SUBREAPER (36), PR_SET_NO_NEW_PRIVS/PR_GET_NO_NEW_PRIVS (38, 39), PR_SET_THP_DISABLE/
    /// PR_GET_THP_DISABLE (41, 42).</summary>
    private static readonly ulong[] HostPrctlOptions = [1, 7, 8, 21, 23, 29, 30, 36, 38, 39, 41, 42];

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.SchedYield, SupportLevel.Full, "", static (t, a) => 0);
        b.Add(SyscallNumber.Uname, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.Uname, a[0], UtsNameSize));
        b.Add(SyscallNumber.Sysinfo, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.Sysinfo, a[0], SysInfoSize));
        b.Add(SyscallNumber.Prctl, SupportLevel.Partial, "PR_SET_NAME/PR_GET_NAME (the calling thread's name), PR_GET_TID_ADDRESS, and the host's answer for the per-process flags in HostPrctlOptions; others EINVAL", static (t, a) => Prctl(t, a[0], a[1], a[2], a[3], a[4]));
        b.Add(SyscallNumber.ArchPrctl, SupportLevel.Full, "", static (t, a) => ArchPrctl(t, a[0], a[1]));
        b.Add(SyscallNumber.Getpriority, SupportLevel.Full, "host facts for this process, its group and user; another process only within the sandbox", static (t, a) => GetPriority(t, a[0], a[1]));
        b.Add(SyscallNumber.Setpriority, SupportLevel.Partial, "this process only; another process, group or user is EPERM", static (t, a) => SetPriority(t, a[0], a[1], a[2]));
    }

    /// <summary>PRIO_PROCESS, PRIO_PGRP, PRIO_USER: the valid <c>which</c> values are 0 to 2.</summary>
    private const uint PrioProcess = 0;

    private const uint PrioUser = 2;

    private static long GetPriority(Task t, ulong which, ulong who)
    {
        // Linux takes ints; an unknown which is EINVAL. A process outside the sandbox does not exist (ESRCH).
        uint kind = unchecked((uint)which);
        int id = unchecked((int)who);
        if (kind == PrioProcess && id != 0 && id != t.Group.Pid && !Process.SandboxTable.Contains(id))
        {
            return -(long)LinuxError.ESRCH;
        }

        return kind > PrioUser ? Einval : Syscall(SyscallNumber.Getpriority, kind, id);
    }

    private static long SetPriority(Task t, ulong which, ulong who, ulong nice)
    {
        uint kind = unchecked((uint)which);
        if (kind > PrioUser)
        {
            return Einval;
        }

        int target = unchecked((int)who);
        if (kind != PrioProcess || (target != 0 && target != t.Group.Pid))
        {
            return Errno(LinuxError.EPERM); // a guest changes only its own runner's priority
        }

        return Syscall(SyscallNumber.Setpriority, kind, 0, unchecked((int)nice));
    }

    private static long ArchPrctl(Task t, ulong code, ulong addr)
    {
        switch (code)
        {
            case (ulong)ArchPrctlCode.SetGs or (ulong)ArchPrctlCode.SetFs when !SegmentBaseLimit.IsAllowed(addr):
                return Errno(LinuxError.EPERM);
            case (ulong)ArchPrctlCode.SetGs:
                t.Cpu.Write(CpuRegister.GsBase, addr);
                return 0;
            case (ulong)ArchPrctlCode.SetFs:
                t.Cpu.Write(CpuRegister.FsBase, addr);
                return 0;
            case (ulong)ArchPrctlCode.GetFs:
                return t.WriteU64(addr, t.Cpu.Read(CpuRegister.FsBase)) < 0 ? Efault : 0;
            case (ulong)ArchPrctlCode.GetGs:
                return t.WriteU64(addr, t.Cpu.Read(CpuRegister.GsBase)) < 0 ? Efault : 0;
            default:
                return Einval;
        }
    }

    private static long Prctl(Task t, ulong option, ulong arg, ulong arg3, ulong arg4, ulong arg5)
    {
        if (Array.IndexOf(HostPrctlOptions, option) >= 0)
        {
            return Syscall(SyscallNumber.Prctl, (long)option, (long)arg, (long)arg3, (long)arg4, (long)arg5);
        }

        switch (option)
        {
            case PrGetParentDeathSignal:
            case PrGetChildSubreaper:
                {
                    // The host writes an int; the guest's pointer gets it through the core.
                    byte[] value = new byte[sizeof(int)];
                    long r = HostSpanCall(SyscallNumber.Prctl, value, 1, (long)option);
                    return r < 0 ? r : (t.CopyOut(arg, value) < 0 ? Efault : r);
                }

            // The runner itself stays non-dumpable (no other process may ptrace it); the guest's flag is its own.
            case PrGetDumpable:
                return t.Group.Dumpable ? 1 : 0;
            case PrSetDumpable:
                if (arg > 1)
                {
                    return Einval;
                }

                t.Group.Dumpable = arg == 1;
                return 0;
            case PrGetTidAddress:
                return t.WriteU64(arg, t.ClearChildTid) < 0 ? Efault : 0;

            case PrSetName:
                {
                    // Linux copies up to TASK_COMM_LEN bytes, stopping at a NUL (strncpy_from_user): a fault before
                    // the NUL or the 16th byte is EFAULT, one after it is never touched.
                    byte[]? name = t.PeekBytes(arg, ProcessCommandName.BufferSize);
                    if (name is null || (name.Length < ProcessCommandName.BufferSize && !name.AsSpan().Contains((byte)0)))
                    {
                        return Efault;
                    }

                    t.CommandName = ProcessCommandName.Truncate(name);
                    return 0;
                }

            case PrGetName:
                {
                    byte[] name = new byte[ProcessCommandName.BufferSize];
                    t.CommandName.CopyTo(name, 0);
                    return t.CopyOut(arg, name) < 0 ? Efault : 0;
                }

            default:
                return Einval;
        }
    }
}
