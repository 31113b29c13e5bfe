using System;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// A blocking <c>open</c> of a FIFO that any signal can interrupt, as on Linux (EINTR, or a restart under SA_RESTART;
/// a fatal signal ends the process). Linux's <c>open</c> of a FIFO without <c>O_NONBLOCK</c> waits for the other end:
/// a reader for a writer, a writer for a reader. The runner's host <c>open</c> would wait the same way, but no
/// forwarded signal can end a host call (the runner blocks them all and reads them from a signalfd), so the wait
/// happens on a helper host thread while the task waits in <see cref="InterruptibleWait"/>
/// (<see cref="InterruptibleHostCall"/>).
/// </summary>
/// <remarks>
/// <para><b>How.</b> The caller holds a host descriptor for the FIFO that opens nothing: an <c>O_PATH</c> descriptor
/// or one of the guest's own. The helper thread opens its <c>/proc/self/fd/N</c> magic link with the guest's flags,
/// which is the FIFO itself (the guest never sees that path). An interrupted open fails with EINTR before it touches
/// the FIFO, so another process blocked opening the same FIFO stays blocked, as on Linux.</para>
/// <para><b>Fast path.</b> A write-only open first tries <c>O_NONBLOCK</c>: when a reader is there it succeeds, and
/// the flag is cleared again. A read-only open cannot know whether a writer is there without waiting.</para>
/// </remarks>
internal static class InterruptibleFifoOpen
{
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
        byte[] path = HostLinux.SelfFdPath(fifoFd);
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

        return InterruptibleHostCall.Run(t, () => OpenPath(path, flags), "usermem-fifo-open");
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
}
