using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// epoll on the host's epoll: an epoll instance is a host epoll descriptor behind a guest descriptor; <c>epoll_ctl</c>
/// registers the host descriptor behind the guest one, with the guest's <c>epoll_event</c> (its 64-bit data passes
/// through untouched); <c>epoll_wait</c> collects ready events with a zero-timeout host call, blocking in between
/// through <see cref="InterruptibleWait"/> on the epoll descriptor, so a signal ends the wait with EINTR (never
/// restarted, as on Linux) and the guest's other threads keep running. The Go runtime's netpoller needs it.
/// </summary>
internal static class EpollSyscalls
{
    /// <summary>The size of <c>struct epoll_event</c> on x86-64 (packed: 4-byte events, 8-byte data).</summary>
    private const int EventSize = 12;

    /// <summary>Linux's <c>EP_MAX_EVENTS</c> (INT_MAX / sizeof(struct epoll_event)).</summary>
    private const long MaxEvents = int.MaxValue / EventSize;

    /// <summary>The most events one host call collects (the guest gets at most this many per epoll_wait).</summary>
    private const int BatchEvents = 256;

    private const long EpollCloexec = (long)OpenFlags.CloseOnExec;
    private const int EpollCtlDelete = 2;
    private const long NanosecondsPerMillisecond = 1_000_000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.EpollCreate, SupportLevel.Full, "", static (t, a) => (long)a[0] is <= 0 or > int.MaxValue ? Einval : Create(t, 0));
        b.Add(SyscallNumber.EpollCreate1, SupportLevel.Full, "", static (t, a) => Create(t, (long)a[0]));
        b.Add(SyscallNumber.EpollCtl, SupportLevel.Full, "host descriptors behind guest ones; data passes through", static (t, a) => Control(t, (long)a[0], (int)a[1], (long)a[2], a[3]));
        b.Add(SyscallNumber.EpollWait, SupportLevel.Full, "", static (t, a) => Wait(t, (long)a[0], a[1], (long)a[2], (int)a[3]));
        b.Add(SyscallNumber.EpollPwait, SupportLevel.Full, "", static (t, a) => WaitWithMask(t, (long)a[0], a[1], (long)a[2], (int)a[3], a[4], a[5]));
    }

    private static long Create(Task t, long flags)
    {
        if ((flags & ~EpollCloexec) != 0)
        {
            return Einval;
        }

        long host = Syscall(SyscallNumber.EpollCreate1, 0); // no host close-on-exec: the guest's flag lives in the table
        if (host < 0)
        {
            return host;
        }

        return AddHostOrClose(t, host, (flags & EpollCloexec) != 0);
    }

    private static long Control(Task t, long epfd, int op, long fd, ulong eventAddr)
    {
        int hostEpoll = t.Fds.HostOf(epfd);
        int hostFd = t.Fds.HostOf(fd);
        if (hostEpoll < 0 || hostFd < 0)
        {
            return Ebadf;
        }

        Span<byte> ev = stackalloc byte[EventSize];
        ev.Clear();
        if (op != EpollCtlDelete && t.CopyIn(eventAddr, ev) < 0)
        {
            return Efault;
        }

        return HostSpanCall(SyscallNumber.EpollCtl, ev, 3, hostEpoll, op, hostFd);
    }

    private static long WaitWithMask(Task t, long epfd, ulong eventsAddr, long maxEvents, int timeoutMs, ulong maskAddr, ulong maskSize)
    {
        long masked = TemporaryMask.Apply(t, maskAddr, maskSize);
        return masked < 0 ? masked : TemporaryMask.Finish(t, Wait(t, epfd, eventsAddr, maxEvents, timeoutMs));
    }

    private static long Wait(Task t, long epfd, ulong eventsAddr, long maxEvents, int timeoutMs)
    {
        if (maxEvents <= 0 || maxEvents > MaxEvents)
        {
            return Einval;
        }

        int hostEpoll = t.Fds.HostOf(epfd);
        if (hostEpoll < 0)
        {
            return Ebadf;
        }

        int batch = (int)Math.Min(maxEvents, BatchEvents);
        byte[] events = new byte[batch * EventSize];
        long deadline = timeoutMs < 0 ? -1 : InterruptibleWait.Now() + (timeoutMs * NanosecondsPerMillisecond);
        Span<byte> poll = stackalloc byte[(1 + InterruptibleWait.ExtraEntries) * InterruptibleWait.PollFdSize];
        while (true)
        {
            long n = HostSpanCall(SyscallNumber.EpollWait, events, 1, hostEpoll, 0, batch, 0);
            if (n != 0)
            {
                if (n > 0 && t.CopyOut(eventsAddr, events.AsSpan(0, (int)n * EventSize)) < 0)
                {
                    return Efault;
                }

                return n;
            }

            long remaining = deadline < 0 ? -1 : Math.Max(0, deadline - InterruptibleWait.Now());
            if (remaining == 0)
            {
                return 0;
            }

            poll.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(poll, hostEpoll);
            BinaryPrimitives.WriteInt16LittleEndian(poll[4..], InterruptibleWait.PollIn);
            long r = InterruptibleWait.Wait(t, poll, 1, remaining, 0, out bool interrupted);
            if (interrupted)
            {
                return Errno(LinuxError.EINTR);
            }

            if (r < 0)
            {
                return r;
            }
        }
    }
}
