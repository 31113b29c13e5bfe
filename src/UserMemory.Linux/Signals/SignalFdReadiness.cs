using System;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Keeps every guest <c>signalfd</c> of a thread group readable exactly while a signal of its mask is pending: each
/// change to a pending set of the group (<see cref="PendingSignals.Changed"/>, under <see cref="GroupSignals.Lock"/>)
/// sets or clears the host eventfd behind each signalfd (<see cref="SignalFdFile"/>), so the host's poll, select and
/// epoll, on the guest's behalf, see what Linux would report. Linux reports the pending signals of the thread that
/// polls; here a signal pending on any thread of the group counts (the same for single-threaded guests).
/// </summary>
internal sealed class SignalFdReadiness
{
    private const int CounterSize = sizeof(ulong);
    private const short PollIn = 0x1;
    private const int PollFdSize = 8;
    private const int EventsOffset = 4;
    private const int ReventsOffset = 6;
    private const long NonBlockFlag = (long)OpenFlags.NonBlock;

    private readonly GroupSignals _group;
    private readonly List<PendingSignals> _threadSets = new();
    private readonly List<SignalFdFile> _files = new();

    /// <summary>Creates the registry of a group.</summary>
    /// <param name="group">The group's signal state (its lock guards this registry).</param>
    internal SignalFdReadiness(GroupSignals group) => _group = group;

    /// <summary>Counts a task's thread-directed pending set.</summary>
    /// <param name="threadSet">The set.</param>
    internal void Track(PendingSignals threadSet)
    {
        lock (_group.Lock)
        {
            _threadSets.Add(threadSet);
            threadSet.Changed = Refresh;
        }
    }

    /// <summary>Starts keeping <paramref name="file"/>'s eventfd in step (a new signalfd, a duplicate, an inherited
    /// one) and sets it now.</summary>
    /// <param name="file">The description.</param>
    internal void Register(SignalFdFile file)
    {
        lock (_group.Lock)
        {
            _files.Add(file);
            Refresh();
        }
    }

    /// <summary>Stops touching <paramref name="file"/>'s eventfd (call before its host descriptor is closed, whose
    /// number could then name another file).</summary>
    /// <param name="file">The description.</param>
    internal void Unregister(SignalFdFile file)
    {
        lock (_group.Lock)
        {
            _ = _files.Remove(file);
        }
    }

    /// <summary>Re-evaluates every registered eventfd after the mask of one changed.</summary>
    internal void MaskChanged()
    {
        lock (_group.Lock)
        {
            Refresh();
        }
    }

    /// <summary>The pending signals of the group: process-directed and every thread's.</summary>
    /// <returns>The set.</returns>
    internal ulong Pending()
    {
        lock (_group.Lock)
        {
            ulong pending = _group.Shared.Set;
            foreach (PendingSignals s in _threadSets)
            {
                pending |= s.Set;
            }

            return pending;
        }
    }

    /// <summary>Sets or clears each eventfd. The caller holds <see cref="GroupSignals.Lock"/>.</summary>
    internal void Refresh()
    {
        if (_files.Count == 0)
        {
            return;
        }

        ulong pending = Pending();
        foreach (SignalFdFile f in _files)
        {
            SetReadable(f.HostFd, (pending & f.Mask.Value) != 0);
        }
    }

    /// <summary>Makes a fresh eventfd behind every signalfd of a descriptor table a new runner inherited (a fork
    /// child must not share its parent's readiness), keeping the host number and the O_NONBLOCK flag, and registers
    /// each.</summary>
    /// <param name="fds">The inherited table.</param>
    internal void Adopt(FdTable fds)
    {
        ArgumentNullException.ThrowIfNull(fds);
        foreach (int guest in fds.GuestDescriptors())
        {
            if (fds.Get(guest) is not SignalFdFile f)
            {
                continue;
            }

            long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, f.HostFd, (long)FcntlCommand.GetFl);
            long fresh = HostLinux.Syscall((long)SyscallNumber.Eventfd2, 0, flags >= 0 ? flags & NonBlockFlag : 0);
            if (fresh >= 0)
            {
                _ = HostLinux.Syscall((long)SyscallNumber.Dup3, fresh, f.HostFd, 0);
                _ = HostLinux.Syscall((long)SyscallNumber.Close, fresh);
            }

            Register(f);
        }
    }

    private static void SetReadable(int hostFd, bool readable)
    {
        Span<byte> poll = stackalloc byte[PollFdSize];
        poll.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(poll, hostFd);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(poll[EventsOffset..], PollIn);
        bool now = HostLinux.Syscall((long)SyscallNumber.Poll, poll, 0, [0, 1, 0, 0, 0, 0]) > 0
            && (System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(poll[ReventsOffset..]) & PollIn) != 0;
        if (now == readable)
        {
            return;
        }

        Span<byte> counter = stackalloc byte[CounterSize];
        counter.Clear();
        if (readable)
        {
            counter[0] = 1;
            _ = HostLinux.Syscall((long)SyscallNumber.Write, counter, 1, [hostFd, 0, CounterSize, 0, 0, 0]);
        }
        else
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Read, counter, 1, [hostFd, 0, CounterSize, 0, 0, 0]);
        }
    }
}
