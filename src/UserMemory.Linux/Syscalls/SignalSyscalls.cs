using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigsuspend, pause, rt_sigpending,
/// rt_sigtimedwait, kill/tkill/tgkill, rt_sigqueueinfo/rt_tgsigqueueinfo, sigaltstack. Delivery itself is in
/// <c>Signals/</c>.</summary>
internal static class SignalSyscalls
{
    private const ulong SignalSetSize = sizeof(ulong);
    private const ulong Default = 0;
    private const ulong Ignore = 1;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.RtSigaction, SupportLevel.Full, "", static (t, a) => SigAction(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.RtSigprocmask, SupportLevel.Full, "", static (t, a) => SigProcMask(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.RtSigreturn, SupportLevel.Full, "restores the ucontext of the frame on the stack (no FPU state)", static (t, a) => SigReturn(t));
        b.Add(SyscallNumber.Kill, SupportLevel.Full, "other processes of the sandbox (a pid, a group, everyone) through the host, whose runners forward it; host processes outside it do not exist (ESRCH)", static (t, a) => Kill(t, (int)a[0], (int)a[1]));
        b.Add(SyscallNumber.RtSigsuspend, SupportLevel.Full, "", static (t, a) => SigSuspend(t, a[0], a[1]));
        b.Add(SyscallNumber.Pause, SupportLevel.Full, "", static (t, a) => Pause(t));
        b.Add(SyscallNumber.RtSigpending, SupportLevel.Full, "", static (t, a) => SigPending(t, a[0], a[1]));
        b.Add(SyscallNumber.RtSigtimedwait, SupportLevel.Full, "", static (t, a) => SigTimedWait(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.RtSigqueueinfo, SupportLevel.Full, "", static (t, a) => SigQueueInfo(t, (int)a[0], 0, (int)a[1], a[2], threadDirected: false));
        b.Add(SyscallNumber.RtTgsigqueueinfo, SupportLevel.Full, "", static (t, a) => SigQueueInfo(t, (int)a[0], (int)a[1], (int)a[2], a[3], threadDirected: true));
        b.Add(SyscallNumber.Sigaltstack, SupportLevel.Full, "", static (t, a) => SignalAltStack.Syscall(t, a[0], a[1]));
        b.Add(SyscallNumber.Tkill, SupportLevel.Full, "", static (t, a) => ThreadKill(t, t.Group.Pid, (int)a[0], (int)a[1], checkGroup: false));
        b.Add(SyscallNumber.Tgkill, SupportLevel.Full, "", static (t, a) => ThreadKill(t, (int)a[0], (int)a[1], (int)a[2], checkGroup: true));
    }

    private static bool IsValidSignal(int signal) => signal >= 0 && signal <= ThreadGroup.MaxSignal;

    private static long SigAction(Task t, ulong signal, ulong actAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != SignalSetSize)
        {
            return Einval;
        }

        int size = Marshal.SizeOf<KernelSigaction>();
        byte[] act = new byte[size];
        if (actAddr != 0 && t.CopyIn(actAddr, act) < 0)
        {
            return Efault;
        }

        if (signal < 1 || signal > ThreadGroup.MaxSignal || ((signal == SignalNumber.SIGKILL || signal == SignalNumber.SIGSTOP) && actAddr != 0))
        {
            return Einval;
        }

        int s = (int)signal;
        var old = new KernelSigaction
        {
            Handler = t.Group.SignalHandlers[s],
            Flags = t.Group.SignalExtras[s].Flags,
            Restorer = t.Group.SignalExtras[s].Restorer,
            Mask = t.Group.SignalExtras[s].Mask,
        };
        if (actAddr != 0)
        {
            KernelSigaction a = MemoryMarshal.Read<KernelSigaction>(act);
            t.Group.SignalHandlers[s] = a.Handler;
            t.Group.SignalExtras[s] = (a.Flags, a.Restorer, a.Mask & ~SignalDelivery.Unblockable);
            if (a.Handler == Ignore || (a.Handler == Default && DefaultSignalAction.IsIgnoredByDefault(s)))
            {
                SignalDelivery.DiscardPending(t, s);
            }

            if (s == SignalNumber.SIGCHLD)
            {
                ChildReaping.Apply(t.Group);
            }
        }

        if (oldAddr != 0)
        {
            byte[] raw = new byte[size];
            MemoryMarshal.Write(raw, in old);
            if (t.CopyOut(oldAddr, raw) < 0)
            {
                return Efault;
            }
        }

        return 0;
    }

    private static long SigProcMask(Task t, ulong how, ulong setAddr, ulong oldAddr, ulong setSize)
    {
        if (setSize != SignalSetSize)
        {
            return Einval;
        }

        ulong old = t.SignalMask;
        if (setAddr != 0)
        {
            if (t.ReadU64(setAddr, out ulong set) < 0)
            {
                return Efault;
            }

            ulong next;
            switch (how)
            {
                case (ulong)SigProcMaskHow.Block:
                    next = old | set;
                    break;
                case (ulong)SigProcMaskHow.Unblock:
                    next = old & ~set;
                    break;
                case (ulong)SigProcMaskHow.SetMask:
                    next = set;
                    break;
                default:
                    return Einval;
            }

            t.SignalMask = next & ~SignalDelivery.Unblockable;
        }

        return oldAddr != 0 && t.WriteU64(oldAddr, old) < 0 ? Efault : 0;
    }

    /// <summary>rt_sigreturn: the frame is restored at the next stop, after the syscall returned.</summary>
    /// <param name="t">The task.</param>
    /// <returns>0 (RAX is then restored from the frame).</returns>
    internal static long SigReturn(Task t)
    {
        t.Signals.SigreturnRequested = true;
        return 0;
    }

    /// <summary>kill: a signal to this process becomes pending here; any other target (a pid, a process group, -1)
    /// goes through the host, whose runner processes forward what they receive to their guests.</summary>
    internal static long Kill(Task t, int pid, int signal)
    {
        if (pid == t.Group.Pid)
        {
            if (!IsValidSignal(signal))
            {
                return Einval;
            }

            if (signal != 0)
            {
                SignalDelivery.SendFromSelf(t, signal, SignalCode.User, toThread: false);
            }

            return 0;
        }

        return IsValidSignal(signal) ? SandboxKill.Send(t, pid, signal) : Einval;
    }

    /// <summary>tkill and tgkill: a thread of this group gets a thread-directed signal (tgkill checks that the tid
    /// belongs to the named group: ESRCH otherwise); other groups go through the host.</summary>
    private static long ThreadKill(Task t, int tgid, int tid, int signal, bool checkGroup)
    {
        if (tid <= 0 || (checkGroup && tgid <= 0))
        {
            return Einval;
        }

        Task? target = t.Group.FindTask(tid);
        if (checkGroup ? tgid == t.Group.Pid : target is not null)
        {
            if (target is null)
            {
                return -(long)LinuxError.ESRCH;
            }

            if (!IsValidSignal(signal))
            {
                return Einval;
            }

            if (signal != 0)
            {
                SignalDelivery.SendFromSelf(target, signal, SignalCode.ThreadKill, toThread: true);
            }

            return 0;
        }

        if (checkGroup && target is not null)
        {
            return -(long)LinuxError.ESRCH; // our thread, named with another tgid
        }

        if (!SandboxTable.Contains(checkGroup ? tgid : tid))
        {
            return -(long)LinuxError.ESRCH; // not a process of this sandbox
        }

        return checkGroup ? Syscall(SyscallNumber.Tgkill, tgid, tid, signal) : Syscall(SyscallNumber.Tkill, tid, signal);
    }

    /// <summary>rt_sigqueueinfo / rt_tgsigqueueinfo: a caller-built siginfo; only the kernel may claim SI_USER,
    /// SI_KERNEL or SI_TKILL for another process (EPERM).</summary>
    private static long SigQueueInfo(Task t, int tgid, int tid, int signal, ulong infoAddr, bool threadDirected)
    {
        if (threadDirected && (tgid <= 0 || tid <= 0))
        {
            return Einval;
        }

        byte[] raw = new byte[SigInfo.Size];
        if (t.CopyIn(infoAddr, raw) < 0)
        {
            return Efault;
        }

        SigInfo info = MemoryMarshal.Read<SigInfo>(raw);
        if (tgid != t.Group.Pid)
        {
            if (tgid <= 0 || !SandboxTable.Contains(tgid))
            {
                return -(long)LinuxError.ESRCH; // not a process of this sandbox
            }

            if (info.Code >= 0 || info.Code == SignalCode.ThreadKill)
            {
                return -(long)LinuxError.EPERM;
            }

            return threadDirected
                ? HostSpanCall(SyscallNumber.RtTgsigqueueinfo, raw, 3, tgid, tid, signal)
                : HostSpanCall(SyscallNumber.RtSigqueueinfo, raw, 2, tgid, signal);
        }

        if (threadDirected && tid != t.Tid)
        {
            return -(long)LinuxError.ESRCH;
        }

        if (!IsValidSignal(signal))
        {
            return Einval;
        }

        if (signal != 0)
        {
            info.Signal = signal;
            if (!SignalDelivery.Send(t, info, threadDirected) && signal >= SignalNumber.SIGRTMIN && !SignalDelivery.IsIgnored(t, signal))
            {
                return -(long)LinuxError.EAGAIN;
            }
        }

        return 0;
    }

    private static long SigPending(Task t, ulong setAddr, ulong size)
    {
        if (size > SignalSetSize)
        {
            return Einval;
        }

        byte[] set = BitConverter.GetBytes(SignalDelivery.Pending(t) & t.SignalMask);
        return t.CopyOut(setAddr, set.AsSpan(0, (int)size)) < 0 ? Efault : 0;
    }

    /// <summary>rt_sigsuspend: waits with a temporary mask until a signal is acted on; the handler's frame restores
    /// the old mask. Answers EINTR when a handler ran, and starts again otherwise.</summary>
    internal static long SigSuspend(Task t, ulong maskAddr, ulong size)
    {
        if (size != SignalSetSize)
        {
            return Einval;
        }

        if (t.ReadU64(maskAddr, out ulong mask) < 0)
        {
            return Efault;
        }

        t.Signals.SavedMask = t.SignalMask;
        t.SignalMask = mask & ~SignalDelivery.Unblockable;
        while (!InterruptibleWait.Sleep(t, -1))
        {
        }

        return RestartCode.RestartNoHandler;
    }

    private static long Pause(Task t)
    {
        while (!InterruptibleWait.Sleep(t, -1))
        {
        }

        return RestartCode.RestartNoHandler;
    }

    /// <summary>rt_sigtimedwait: takes a pending signal of the set (blocked or not), waiting up to the timeout; a
    /// signal outside the set that is deliverable ends the wait with EINTR, the timeout with EAGAIN.</summary>
    private static long SigTimedWait(Task t, ulong setAddr, ulong infoAddr, ulong timeoutAddr, ulong size)
    {
        if (size != SignalSetSize)
        {
            return Einval;
        }

        if (t.ReadU64(setAddr, out ulong set) < 0)
        {
            return Efault;
        }

        long timeoutNs = -1;
        if (timeoutAddr != 0)
        {
            long r = TimeSyscalls.ReadTimespec(t, timeoutAddr, out timeoutNs);
            if (r < 0)
            {
                return r;
            }
        }

        set &= ~SignalDelivery.Unblockable;
        long deadline = timeoutNs < 0 ? -1 : InterruptibleWait.Now() + timeoutNs;
        while (true)
        {
            if (SignalDelivery.TryTakeFrom(t, set, out SigInfo info))
            {
                if (infoAddr != 0)
                {
                    byte[] raw = new byte[SigInfo.Size];
                    MemoryMarshal.Write(raw, in info);
                    if (t.CopyOut(infoAddr, raw) < 0)
                    {
                        return Efault;
                    }
                }

                return info.Signal;
            }

            if (SignalDelivery.HasDeliverable(t))
            {
                return -(long)LinuxError.EINTR;
            }

            long remaining = deadline < 0 ? -1 : deadline - InterruptibleWait.Now();
            if (deadline >= 0 && remaining <= 0)
            {
                return -(long)LinuxError.EAGAIN;
            }

            _ = InterruptibleWait.Sleep(t, remaining, set);
        }
    }
}
