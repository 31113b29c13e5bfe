using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigsuspend, sigaltstack,
/// kill/tkill/tgkill. Delivery itself is in <c>Signals/</c>.</summary>
internal static class SignalSyscalls
{
    private const long PAll = 0;
    private const long WaitExited = 4;
    private const long WaitNoWait = 0x01000000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.RtSigaction, SupportLevel.Full, "", static (t, a) => SigAction(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.RtSigprocmask, SupportLevel.Full, "", static (t, a) => SigProcMask(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.RtSigreturn, SupportLevel.Partial, "restores the registers kept on the host side, not the guest's ucontext", static (t, a) => SigReturn(t));
        b.Add(SyscallNumber.Kill, SupportLevel.Partial, "signals to this process run handlers; process groups reach only this process", static (t, a) => Kill(t, (long)a[0], (long)a[1]));
        b.Add(SyscallNumber.RtSigsuspend, SupportLevel.Partial, "waits for a child state change (SIGCHLD) only", static (t, a) => SigSuspend(t, a[0], a[1]));
        b.Add(SyscallNumber.Sigaltstack, SupportLevel.Stub, "reports a disabled alternate stack; a new one is ignored", static (t, a) => SigAltStack(t, a[1]));
        b.Add(SyscallNumber.Tkill, SupportLevel.Partial, "as kill", static (t, a) => Kill(t, (long)a[0], (long)a[1]));
        b.Add(SyscallNumber.Tgkill, SupportLevel.Partial, "as kill", static (t, a) => Kill(t, (long)a[1], (long)a[2]));
    }

    private static long SigAction(Task t, ulong signal, ulong actAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != 8)
        {
            return Einval;
        }

        if (signal < 1 || signal > ThreadGroup.MaxSignal || ((signal == SignalNumber.SIGKILL || signal == SignalNumber.SIGSTOP) && actAddr != 0))
        {
            return Einval;
        }

        byte[] act = new byte[32];
        if (actAddr != 0 && t.CopyIn(actAddr, act) < 0)
        {
            return Efault;
        }

        if (oldAddr != 0)
        {
            byte[] old = new byte[32];
            BitConverter.TryWriteBytes(old.AsSpan(0), t.Group.SignalHandlers[signal]);
            BitConverter.TryWriteBytes(old.AsSpan(8), t.Group.SignalExtras[signal].Flags);
            BitConverter.TryWriteBytes(old.AsSpan(16), t.Group.SignalExtras[signal].Restorer);
            BitConverter.TryWriteBytes(old.AsSpan(24), t.Group.SignalExtras[signal].Mask);
            if (t.CopyOut(oldAddr, old) < 0)
            {
                return Efault;
            }
        }

        if (actAddr != 0)
        {
            t.Group.SignalHandlers[signal] = BitConverter.ToUInt64(act, 0);
            t.Group.SignalExtras[signal] = (BitConverter.ToUInt64(act, 8), BitConverter.ToUInt64(act, 16), BitConverter.ToUInt64(act, 24));
        }

        return 0;
    }

    private static long SigProcMask(Task t, ulong how, ulong setAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != 8)
        {
            return Einval;
        }

        ulong set = 0;
        if (setAddr != 0)
        {
            if (how > (ulong)SigProcMaskHow.SetMask)
            {
                return Einval;
            }

            if (t.ReadU64(setAddr, out set) < 0)
            {
                return Efault;
            }
        }

        if (oldAddr != 0 && t.WriteU64(oldAddr, t.SignalMask) < 0)
        {
            return Efault;
        }

        if (setAddr != 0)
        {
            const ulong unblockable = (1UL << (SignalNumber.SIGKILL - 1)) | (1UL << (SignalNumber.SIGSTOP - 1));
            t.SignalMask = (how switch
            {
                (ulong)SigProcMaskHow.Block => t.SignalMask | set,
                (ulong)SigProcMaskHow.Unblock => t.SignalMask & ~set,
                _ => set,
            }) & ~unblockable;
        }

        return 0;
    }

    private static long SigAltStack(Task t, ulong oldAddr) => oldAddr != 0 && t.CopyOut(oldAddr, new byte[24] { 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }) < 0 ? Efault : 0;

    /// <summary>kill/tkill/tgkill. A signal to this process takes the guest's disposition: ignored or harmless →
    /// nothing; default → the host process dies by it (a real wait status for the parent); a guest handler →
    /// not delivered (handlers are recorded, not run). Other pids get a host signal.</summary>
    private static long Kill(Task t, long pid, long signal)
    {
        if (signal < 0 || signal > ThreadGroup.MaxSignal)
        {
            return Einval;
        }

        if (pid == t.Group.Pid || pid == 0 || pid == -t.Group.Pid)
        {
            // Process-group signals reach only this process (the host group also holds the runner's own
            // relatives, whose .NET handlers must not see guest signals).
            if (signal == 0)
            {
                return 0;
            }

            ulong handler = t.Group.SignalHandlers[signal];
            if (signal == SignalNumber.SIGKILL || (handler == 0 && !DefaultSignalAction.IsHarmless((int)signal)))
            {
                t.Group.Terminate((int)signal);
            }

            if (handler > 1 && (t.SignalMask & (1UL << ((int)signal - 1))) == 0)
            {
                SignalDelivery.QueueSignal(t, (int)signal);
            }

            return 0;
        }

        return Syscall(SyscallNumber.Kill, pid, signal);
    }

    internal static long SigReturn(Task t)
    {
        t.PendingSigreturn = true;
        t.Cpu.RequestStop();
        return 0;
    }

    /// <summary>rt_sigsuspend: with the given mask, waits for a signal. The signals this runner can see arriving are
    /// its children's state changes: it waits (without reaping) until a child is waitable and runs the guest's
    /// SIGCHLD handler, then answers EINTR like Linux.</summary>
    internal static long SigSuspend(Task t, ulong maskAddr, ulong size)
    {
        if (size != 8)
        {
            return Einval;
        }

        if (t.ReadU64(maskAddr, out ulong mask) < 0)
        {
            return Efault;
        }

        ulong old = t.SignalMask;
        bool chldDeliverable = t.Group.SignalHandlers[SignalNumber.SIGCHLD] > 1 && (mask & (1UL << (SignalNumber.SIGCHLD - 1))) == 0;
        byte[] info = new byte[128];
        long r = HostSpanCall(SyscallNumber.Waitid, info, 2, PAll, 0, 0, WaitExited | WaitNoWait, 0);
        if (r >= 0 && chldDeliverable)
        {
            t.SignalMask = mask;
            SignalDelivery.QueueSignal(t, SignalNumber.SIGCHLD, old);
        }

        return -(long)LinuxError.EINTR;
    }
}
