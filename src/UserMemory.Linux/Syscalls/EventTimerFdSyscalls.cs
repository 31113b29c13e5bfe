using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// eventfd and timerfd on the host's own: the descriptor is a host eventfd or timerfd behind a guest number, so
/// reads, writes, poll, select and epoll go through the ordinary host-descriptor paths (blocking reads wait
/// interruptibly), and a fork child shares the description as on Linux. The guest's close-on-exec flag stays in the
/// guest table (host descriptors never carry it); the flags are checked as Linux checks them before the host sees
/// them. The Go runtime's netpoller needs eventfd.
/// </summary>
internal static class EventTimerFdSyscalls
{
    private const long EventFdSemaphore = 1;
    private const long CloseOnExec = (long)OpenFlags.CloseOnExec;
    private const long NonBlock = (long)OpenFlags.NonBlock;

    /// <summary>The size of <c>struct itimerspec</c>.</summary>
    private const int TimerSpecSize = 32;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Eventfd, SupportLevel.Full, "", static (t, a) => EventFd(t, (uint)a[0], 0));
        b.Add(SyscallNumber.Eventfd2, SupportLevel.Full, "", static (t, a) => EventFd(t, (uint)a[0], (long)(uint)a[1]));
        b.Add(SyscallNumber.TimerfdCreate, SupportLevel.Full, "", static (t, a) => TimerFdCreate(t, (int)a[0], (long)(uint)a[1]));
        b.Add(SyscallNumber.TimerfdSettime, SupportLevel.Full, "", static (t, a) => TimerFdSetTime(t, a[0], (long)(uint)a[1], a[2], a[3]));
        b.Add(SyscallNumber.TimerfdGettime, SupportLevel.Full, "", static (t, a) => TimerFdGetTime(t, a[0], a[1]));
    }

    private static long EventFd(Task t, uint initial, long flags)
    {
        if ((flags & ~(EventFdSemaphore | CloseOnExec | NonBlock)) != 0)
        {
            return Einval;
        }

        return Bind(t, Syscall(SyscallNumber.Eventfd2, initial, flags & ~CloseOnExec), flags);
    }

    private static long TimerFdCreate(Task t, int clock, long flags)
    {
        if ((flags & ~(CloseOnExec | NonBlock)) != 0)
        {
            return Einval;
        }

        return Bind(t, Syscall(SyscallNumber.TimerfdCreate, clock, flags & ~CloseOnExec), flags);
    }

    private static long Bind(Task t, long host, long flags)
    {
        if (host < 0)
        {
            return host;
        }

        return AddHostOrClose(t, host, (flags & CloseOnExec) != 0);
    }

    /// <summary>timerfd_settime in Linux's order: the new value is read first (EFAULT), then the descriptor and flags
    /// are checked by the host, then the old value is written.</summary>
    private static long TimerFdSetTime(Task t, ulong fd, long flags, ulong newAddr, ulong oldAddr)
    {
        byte[] next = new byte[TimerSpecSize];
        if (t.CopyIn(newAddr, next) < 0)
        {
            return Efault;
        }

        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] old = new byte[TimerSpecSize];
        long r = HostSpanCall2(SyscallNumber.TimerfdSettime, next, 2, old, 3, host, flags);
        if (r < 0)
        {
            return r;
        }

        return oldAddr != 0 && t.CopyOut(oldAddr, old) < 0 ? Efault : r;
    }

    private static long TimerFdGetTime(Task t, ulong fd, ulong currentAddr)
    {
        if (!t.TryHostFd(fd, out long host))
        {
            return Ebadf;
        }

        byte[] current = new byte[TimerSpecSize];
        long r = HostSpanCall(SyscallNumber.TimerfdGettime, current, 1, host);
        return r < 0 ? r : (t.CopyOut(currentAddr, current) < 0 ? Efault : r);
    }
}
