using System;
using System.Globalization;
using System.Text;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// A blocking <c>open</c> of a FIFO that any signal can interrupt, as on Linux (EINTR, or a restart under SA_RESTART;
/// a fatal signal ends the process). Linux's <c>open</c> of a FIFO without <c>O_NONBLOCK</c> waits for the other end:
/// a reader for a writer, a writer for a reader. The runner's host <c>open</c> would wait the same way, but no
/// forwarded signal can end a host call (the runner blocks them all and reads them from a signalfd), so the wait
/// happens on a helper host thread while the task waits in <see cref="InterruptibleWait"/>.
/// </summary>
/// <remarks>
/// <para><b>How.</b> The caller holds a host descriptor for the FIFO that opens nothing: an <c>O_PATH</c> descriptor
/// or one of the guest's own. The helper thread opens its <c>/proc/self/fd/N</c> magic link with the guest's flags,
/// which is the FIFO itself (the guest never sees that path). When a signal becomes deliverable first, the task ends
/// the helper's wait by opening the other end itself with <c>O_NONBLOCK</c>: a reader for a blocked writer, a writer
/// for a blocked reader (the blocked side already counts as present, so that open succeeds at once). It then closes
/// both descriptors and answers <see cref="RestartCode.RestartSys"/>.</para>
/// <para><b>Fast path.</b> A write-only open first tries <c>O_NONBLOCK</c>: when a reader is there it succeeds, and
/// the flag is cleared again. A read-only open cannot know whether a writer is there without waiting.</para>
/// <para><b>Known difference.</b> The end opened to cancel is a real peer for an instant: another process blocked in
/// an open of the same end of the same FIFO at that moment is released too, and sees end-of-file (a reader) or
/// EPIPE (a writer) once it uses it. When that end cannot be opened at all (no permission for it), the helper is
/// left waiting and closes what its open returns later; the guest still gets its EINTR.</para>
/// </remarks>
internal static class InterruptibleFifoOpen
{
    /// <summary>How long the task waits for the helper after opening the other end before it tries again (the helper
    /// may not have entered its <c>open</c> yet, and a writer with no reader answers ENXIO).</summary>
    private const int RetryMilliseconds = 5;

    /// <summary>O_NONBLOCK.</summary>
    private const long NonBlock = (long)OpenFlags.NonBlock;

    private const long AtFdCwd = -100;

    /// <summary>Whether an open with <paramref name="flags"/> can wait for a FIFO's peer: neither <c>O_NONBLOCK</c>
    /// nor <c>O_RDWR</c> (which never waits), nor <c>O_PATH</c>, <c>O_DIRECTORY</c> or <c>O_CREAT|O_EXCL</c> (which
    /// fail or return before any wait).</summary>
    /// <param name="flags">The guest's open flags.</param>
    /// <returns>True when the open of a FIFO would block.</returns>
    internal static bool MayWait(long flags)
    {
        long access = flags & (long)OpenFlags.AccessMode;
        const long CreateExclusive = (long)(OpenFlags.Create | OpenFlags.Exclusive);
        return (flags & (NonBlock | (long)OpenFlags.Path | (long)OpenFlags.Directory)) == 0
            && (flags & CreateExclusive) != CreateExclusive
            && access is (long)OpenFlags.ReadOnly or (long)OpenFlags.WriteOnly;
    }

    /// <summary>Opens the FIFO behind host descriptor <paramref name="fifoFd"/> (which the caller keeps and closes)
    /// with <paramref name="flags"/>, waiting interruptibly for the other end.</summary>
    /// <param name="t">The opening task.</param>
    /// <param name="fifoFd">A host descriptor of the FIFO (<c>O_PATH</c> or open).</param>
    /// <param name="flags">Host open flags (without <c>O_CLOEXEC</c> unless the host descriptor should have it).</param>
    /// <returns>The new host descriptor, -errno, or <see cref="RestartCode.RestartSys"/> when a signal interrupted
    /// the wait.</returns>
    internal static long Open(Task t, int fifoFd, long flags)
    {
        byte[] path = Encoding.ASCII.GetBytes("/proc/self/fd/" + fifoFd.ToString(CultureInfo.InvariantCulture) + "\0");
        if (!MayWait(flags) || t.WakeFd < 0)
        {
            // Nothing to wait on (a task without its wake-up eventfd could not hear the helper): the plain open.
            return OpenPath(path, flags);
        }

        bool writer = (flags & (long)OpenFlags.AccessMode) == (long)OpenFlags.WriteOnly;
        if (writer)
        {
            long quick = OpenPath(path, flags | NonBlock);
            if (quick != -(long)LinuxError.ENXIO)
            {
                return quick < 0 ? quick : ClearNonBlock(quick);
            }
        }

        var pending = new PendingOpen(t, path, flags);
        var helper = new Thread(pending.Run) { IsBackground = true, Name = "usermem-fifo-open" };
        helper.Start();
        if (InterruptibleWait.SleepUntil(t, pending.IsDone, -1) == 1)
        {
            helper.Join();
            return pending.Result;
        }

        return Cancel(pending, helper, path, writer);
    }

    /// <summary>Ends the helper's wait by opening the other end non-blocking (again until the helper returns), then
    /// closes both; abandons the helper when that end cannot be opened. An open that returned on its own before the
    /// other end was opened (a real peer came first) stands, as on Linux, where the signal is then delivered after
    /// the open returns.</summary>
    /// <returns>The helper's own result, or <see cref="RestartCode.RestartSys"/>.</returns>
    private static long Cancel(PendingOpen pending, Thread helper, byte[] path, bool writer)
    {
        long otherEnd = (writer ? (long)OpenFlags.ReadOnly : (long)OpenFlags.WriteOnly) | NonBlock | (long)OpenFlags.CloseOnExec;
        long peer = -1;
        while (!pending.IsDone())
        {
            if (peer < 0)
            {
                peer = OpenPath(path, otherEnd);
                if (peer < 0 && peer != -(long)LinuxError.ENXIO && pending.Abandon())
                {
                    return RestartCode.RestartSys; // the helper closes what its open returns
                }
            }

            _ = helper.Join(RetryMilliseconds);
        }

        helper.Join();
        if (peer < 0)
        {
            return pending.Result;
        }

        _ = HostLinux.Syscall((long)SyscallNumber.Close, peer);
        if (pending.Result >= 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Close, pending.Result);
        }

        return RestartCode.RestartSys;
    }

    private static long OpenPath(byte[] path, long flags) =>
        HostLinux.Syscall((long)SyscallNumber.Openat, path, 1, [AtFdCwd, 0, flags, 0, 0, 0]);

    private static long ClearNonBlock(long fd)
    {
        long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.GetFl);
        if (flags >= 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.SetFl, flags & ~NonBlock);
        }

        return fd;
    }

    /// <summary>The helper thread's open and its result.</summary>
    private sealed class PendingOpen(Task task, byte[] path, long flags)
    {
        private readonly Lock _gate = new();
        private long _result;
        private bool _done;
        private bool _abandoned;

        /// <summary>The open's result (valid once <see cref="IsDone"/>).</summary>
        internal long Result => Volatile.Read(ref _result);

        /// <summary>Whether the open returned.</summary>
        /// <returns>True once it did.</returns>
        internal bool IsDone()
        {
            lock (_gate)
            {
                return _done;
            }
        }

        /// <summary>Gives up on the open: when it returns later, the helper closes the descriptor itself.</summary>
        /// <returns>False when it already returned (the caller closes the result).</returns>
        internal bool Abandon()
        {
            lock (_gate)
            {
                _abandoned = !_done;
                return _abandoned;
            }
        }

        /// <summary>The helper thread's body.</summary>
        internal void Run()
        {
            long r = OpenPath(path, flags);
            lock (_gate)
            {
                Volatile.Write(ref _result, r);
                _done = true;
                if (!_abandoned)
                {
                    task.Wake();
                    return;
                }
            }

            if (r >= 0)
            {
                _ = HostLinux.Syscall((long)SyscallNumber.Close, r);
            }
        }
    }
}
