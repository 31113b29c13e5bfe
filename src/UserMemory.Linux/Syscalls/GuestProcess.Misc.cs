using System;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>Setup, time, identity and signal-bookkeeping syscalls.</summary>
public sealed partial class GuestProcess
{
    private long ArchPrctl(ulong code, ulong addr)
    {
        switch (code)
        {
            case 0x1001: // ARCH_SET_GS
                Cpu.Write(CpuRegister.GsBase, addr);
                return 0;
            case 0x1002: // ARCH_SET_FS
                Cpu.Write(CpuRegister.FsBase, addr);
                return 0;
            case 0x1003: // ARCH_GET_FS
                return WriteU64(addr, Cpu.Read(CpuRegister.FsBase)) < 0 ? Efault : 0;
            case 0x1004: // ARCH_GET_GS
                return WriteU64(addr, Cpu.Read(CpuRegister.GsBase)) < 0 ? Efault : 0;
            default:
                return Einval;
        }
    }

    private long ClockCall(long nr, ulong clock, ulong outAddr)
    {
        byte[] ts = new byte[16];
        long r = HostSpanCall(nr, ts, 1, (long)clock);
        if (r < 0 || (nr == 229 && outAddr == 0))
        {
            return r;
        }

        return CopyOut(outAddr, ts) < 0 ? Efault : r;
    }

    private long TimeOfDay(ulong tvAddr, ulong tzAddr)
    {
        byte[] tv = new byte[16];
        byte[] tz = new byte[8];
        long r = HostSpanCall2(96, tv, 0, tz, 1);
        if (r < 0)
        {
            return r;
        }

        if ((tvAddr != 0 && CopyOut(tvAddr, tv) < 0) || (tzAddr != 0 && CopyOut(tzAddr, tz) < 0))
        {
            return Efault;
        }

        return r;
    }

    private long Time(ulong outAddr)
    {
        long now = Syscall(201);
        return outAddr != 0 && WriteU64(outAddr, (ulong)now) < 0 ? Efault : now;
    }

    private long Times(ulong outAddr)
    {
        byte[] tms = new byte[32];
        long r = HostSpanCall(100, tms, 0);
        return outAddr != 0 && CopyOut(outAddr, tms) < 0 ? Efault : r;
    }

    private long Nanosleep(ulong requestAddr, ulong remainAddr)
    {
        byte[] request = new byte[16];
        if (CopyIn(requestAddr, request) < 0)
        {
            return Efault;
        }

        byte[] remain = new byte[16];
        long r = HostSpanCall2(35, request, 0, remain, 1);
        if (r == -(long)LinuxError.EINTR && remainAddr != 0 && CopyOut(remainAddr, remain) < 0)
        {
            return Efault;
        }

        return r;
    }

    private long GetGroups(ulong size, ulong listAddr)
    {
        if ((int)size < 0)
        {
            return Einval;
        }

        byte[] list = new byte[Math.Min((int)size, 65536) * 4];
        long r = HostSpanCall(115, list, 1, (long)Math.Min((int)size, 65536));
        return r <= 0 || size == 0 ? r : (CopyOut(listAddr, list.AsSpan(0, (int)r * 4)) < 0 ? Efault : r);
    }

    private long ResIds(long nr, ulong a, ulong b, ulong c)
    {
        byte[] all = new byte[12];
        long r = HostLinux.ResIds(nr, all);
        if (r < 0)
        {
            return r;
        }

        ulong[] addrs = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            if (CopyOut(addrs[i], all.AsSpan(i * 4, 4)) < 0)
            {
                return Efault;
            }
        }

        return 0;
    }

    private long Prctl(ulong option, ulong arg)
    {
        _ = arg;
        return option switch
        {
            15 or 16 => 0, // PR_SET_NAME, PR_GET_NAME: accept
            _ => Einval,
        };
    }

    private long Futex(ulong op)
    {
        // One guest thread: nobody else can wake a waiter or be woken.
        return (op & 0x7F) switch
        {
            0 or 9 => -(long)LinuxError.EAGAIN, // FUTEX_WAIT, FUTEX_WAIT_BITSET
            _ => 0,
        };
    }

    private long SchedGetAffinity(ulong size, ulong maskAddr)
    {
        if (size < 8 || (size & 7) != 0)
        {
            return Einval;
        }

        // The host's CPUs (the guest runs one thread, but programs size work by this, e.g. nproc).
        byte[] mask = new byte[Math.Min(size, 1024)];
        long r = HostSpanCall(204, mask, 2, 0, mask.Length);
        return r < 0 ? r : (CopyOut(maskAddr, mask.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private long Prlimit(ulong pid, ulong resource, ulong newAddr, ulong oldAddr)
    {
        if (pid != 0 && (long)pid != Pid)
        {
            return -(long)LinuxError.EPERM;
        }

        if (newAddr != 0)
        {
            byte[] limit = new byte[16];
            if (CopyIn(newAddr, limit) < 0)
            {
                return Efault;
            }

            // Accepted but not applied to the host runner (its limits are the runtime's, not the guest's).
        }

        if (oldAddr == 0)
        {
            return 0;
        }

        byte[] old = new byte[16];
        long r = HostSpanCall(302, old, 3, 0, (long)resource, 0, 0);
        return r < 0 ? r : (CopyOut(oldAddr, old) < 0 ? Efault : 0);
    }

    private long GetRandom(ulong bufAddr, ulong length, ulong flags)
    {
        byte[] buffer = new byte[Math.Min(length, 1UL << 20)];
        long r = HostSpanCall(318, buffer, 0, 0, buffer.Length, (long)flags);
        return r <= 0 ? r : (CopyOut(bufAddr, buffer.AsSpan(0, (int)r)) < 0 ? Efault : r);
    }

    private long SigAction(ulong signal, ulong actAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != 8)
        {
            return Einval;
        }

        if (signal < 1 || signal > MaxSignal || ((signal == Signals.SIGKILL || signal == Signals.SIGSTOP) && actAddr != 0))
        {
            return Einval;
        }

        byte[] act = new byte[32];
        if (actAddr != 0 && CopyIn(actAddr, act) < 0)
        {
            return Efault;
        }

        if (oldAddr != 0)
        {
            byte[] old = new byte[32];
            BitConverter.TryWriteBytes(old.AsSpan(0), SignalHandlers[signal]);
            BitConverter.TryWriteBytes(old.AsSpan(8), SignalExtras[signal].Flags);
            BitConverter.TryWriteBytes(old.AsSpan(16), SignalExtras[signal].Restorer);
            BitConverter.TryWriteBytes(old.AsSpan(24), SignalExtras[signal].Mask);
            if (CopyOut(oldAddr, old) < 0)
            {
                return Efault;
            }
        }

        if (actAddr != 0)
        {
            SignalHandlers[signal] = BitConverter.ToUInt64(act, 0);
            SignalExtras[signal] = (BitConverter.ToUInt64(act, 8), BitConverter.ToUInt64(act, 16), BitConverter.ToUInt64(act, 24));
        }

        return 0;
    }

    private long SigProcMask(ulong how, ulong setAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != 8)
        {
            return Einval;
        }

        ulong set = 0;
        if (setAddr != 0)
        {
            if (how > 2)
            {
                return Einval;
            }

            if (ReadU64(setAddr, out set) < 0)
            {
                return Efault;
            }
        }

        if (oldAddr != 0 && WriteU64(oldAddr, SignalMask) < 0)
        {
            return Efault;
        }

        if (setAddr != 0)
        {
            const ulong unblockable = (1UL << (Signals.SIGKILL - 1)) | (1UL << (Signals.SIGSTOP - 1));
            SignalMask = (how switch
            {
                0 => SignalMask | set,
                1 => SignalMask & ~set,
                _ => set,
            }) & ~unblockable;
        }

        return 0;
    }

    private long SigAltStack(ulong oldAddr) => oldAddr != 0 && CopyOut(oldAddr, new byte[24] { 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }) < 0 ? Efault : 0;

    /// <summary>kill/tkill/tgkill. A signal to this process takes the guest's disposition: ignored or harmless →
    /// nothing; default → the host process dies by it (a real wait status for the parent); a guest handler →
    /// not delivered (handlers are recorded, not run). Other pids get a host signal.</summary>
    private long Kill(long pid, long signal)
    {
        if (signal < 0 || signal > MaxSignal)
        {
            return Einval;
        }

        if (pid == Pid || pid == 0 || pid == -Pid)
        {
            // Process-group signals reach only this process (the host group also holds the runner's own
            // relatives, whose .NET handlers must not see guest signals).
            if (signal == 0)
            {
                return 0;
            }

            ulong handler = SignalHandlers[signal];
            if (signal == Signals.SIGKILL || (handler == 0 && !Signals.DefaultIsHarmless((int)signal)))
            {
                Terminate((int)signal);
            }

            if (handler > 1 && (SignalMask & (1UL << ((int)signal - 1))) == 0)
            {
                QueueSignal((int)signal);
            }

            return 0;
        }

        return Syscall(62, pid, signal);
    }

    private long ExitSyscall(ulong status)
    {
        _tracer?.Exiting((int)status);
        Exit((int)status);
        return 0;
    }
}
