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

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.SchedYield, SupportLevel.Full, "", static (t, a) => 0);
        b.Add(SyscallNumber.Uname, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.Uname, a[0], UtsNameSize));
        b.Add(SyscallNumber.Sysinfo, SupportLevel.Full, "", static (t, a) => OutCall(t, SyscallNumber.Sysinfo, a[0], SysInfoSize));
        b.Add(SyscallNumber.Prctl, SupportLevel.Partial, "PR_SET_NAME/PR_GET_NAME (the process's name, shared by its threads); others EINVAL", static (t, a) => Prctl(t, a[0], a[1]));
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

    private static long Prctl(Task t, ulong option, ulong arg)
    {
        switch (option)
        {
            case PrSetName:
                {
                    // Linux copies up to TASK_COMM_LEN bytes, stopping at a NUL (strncpy_from_user): a fault before
                    // the NUL or the 16th byte is EFAULT, one after it is never touched.
                    byte[]? name = t.PeekBytes(arg, ProcessCommandName.BufferSize);
                    if (name is null || (name.Length < ProcessCommandName.BufferSize && !name.AsSpan().Contains((byte)0)))
                    {
                        return Efault;
                    }

                    t.Group.CommandName = ProcessCommandName.Truncate(name);
                    return 0;
                }

            case PrGetName:
                {
                    byte[] name = new byte[ProcessCommandName.BufferSize];
                    t.Group.CommandName.CopyTo(name, 0);
                    return t.CopyOut(arg, name) < 0 ? Efault : 0;
                }

            default:
                return Einval;
        }
    }
}
