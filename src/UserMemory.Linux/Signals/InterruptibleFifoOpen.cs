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
/// the helper's wait with a thread-directed host signal whose handler does not restart calls
/// (<see cref="HelperThreadInterrupt"/>): the helper's <c>open</c> fails with EINTR, the FIFO is never touched, and
/// another process blocked opening the same FIFO stays blocked, as on Linux. The task then answers
/// <see cref="RestartCode.RestartSys"/>.</para>
/// <para><b>Fast path.</b> A write-only open first tries <c>O_NONBLOCK</c>: when a reader is there it succeeds, and
/// the flag is cleared again. A read-only open cannot know whether a writer is there without waiting.</para>
/// </remarks>
internal static class InterruptibleFifoOpen
{
    /// <summary>How long the task waits for the helper after interrupting it before it interrupts again (the signal
    /// may have come before the helper entered its <c>open</c>).</summary>
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
        HelperThreadInterrupt.Install();
        var helper = new Thread(pending.Run) { IsBackground = true, Name = "usermem-fifo-open" };
        helper.Start();
        if (InterruptibleWait.SleepUntil(t, pending.IsDone, -1) == 1)
        {
            helper.Join();
            return pending.Result;
        }

        return Cancel(pending, helper);
    }

    /// <summary>Interrupts the helper's open (again until the helper reports that it returned). An open that returned
    /// on its own first (a real peer came) stands, as on Linux, where the signal is then delivered after the open
    /// returns; so does any other error.</summary>
    /// <returns>The helper's own result, or <see cref="RestartCode.RestartSys"/> when the interrupt ended it.</returns>
    private static long Cancel(PendingOpen pending, Thread helper)
    {
        while (!pending.Interrupt())
        {
            _ = helper.Join(RetryMilliseconds);
        }

        helper.Join();
        return pending.Result == -(long)LinuxError.EINTR ? RestartCode.RestartSys : pending.Result;
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
        private bool _cancelled;
        private int _threadId;

        /// <summary>The open's result (valid once <see cref="IsDone"/>): -EINTR only when it was cancelled.</summary>
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

        /// <summary>Cancels the open: sets the flag the helper checks before each attempt and signals the helper
        /// thread when it is known and still in its open (or about to enter it).</summary>
        /// <returns>True once the open returned (nothing more to send).</returns>
        internal bool Interrupt()
        {
            lock (_gate)
            {
                _cancelled = true;
                if (_done)
                {
                    return true;
                }

                if (_threadId != 0)
                {
                    HelperThreadInterrupt.Send(_threadId); // alive: it reports done under this lock before it ends
                }

                return false;
            }
        }

        /// <summary>The helper thread's body: opens until the open ends other than by EINTR, or a cancel came.</summary>
        internal void Run()
        {
            HelperThreadInterrupt.UnblockForThisThread();
            lock (_gate)
            {
                _threadId = HelperThreadInterrupt.CurrentThreadId();
            }

            long r;
            while (true)
            {
                lock (_gate)
                {
                    if (_cancelled)
                    {
                        r = -(long)LinuxError.EINTR;
                        break;
                    }
                }

                r = OpenPath(path, flags);
                if (r != -(long)LinuxError.EINTR)
                {
                    break;
                }
            }

            lock (_gate)
            {
                Volatile.Write(ref _result, r);
                _done = true;
            }

            task.Wake();
        }
    }
}
