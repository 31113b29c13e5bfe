using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>wait4 for the guest without blocking signal delivery: the host's wait4 with WNOHANG, then a wait for
/// signal activity (a child's state change sends the runner SIGCHLD, which the forwarding reads), until a child is
/// reported, an error comes back or a signal is deliverable (<see cref="RestartCode.RestartSys"/>: EINTR, or a
/// restart under SA_RESTART).</summary>
internal static class InterruptibleChildWait
{
    private const long NoHang = 1;

    /// <summary>Where <c>si_pid</c> sits in the siginfo waitid fills (0 when WNOHANG found nothing).</summary>
    private const int WaitInfoPidOffset = 16;

    /// <summary>wait4 on the host with guest-interruptible blocking.</summary>
    /// <param name="t">The task.</param>
    /// <param name="pid">The pid argument.</param>
    /// <param name="status">Receives the status (4 bytes).</param>
    /// <param name="rusage">Receives the usage (144 bytes).</param>
    /// <param name="options">The options.</param>
    /// <returns>The pid, 0 (WNOHANG, nothing yet), -errno, or a restart code.</returns>
    internal static long Wait4(Task t, long pid, byte[] status, byte[] rusage, long options)
    {
        bool blocking = (options & NoHang) == 0 && HostSignalForwarding.IsActive;
        while (true)
        {
            if (blocking)
            {
                t.DrainWake();
            }

            long r = HostLinux.Syscall((long)SyscallNumber.Wait4, status, 1, rusage, 3, [pid, 0, options | (blocking ? NoHang : 0), 0, 0, 0]);
            if (r > 0)
            {
                TakeChildSignals();
            }

            if (!blocking || r != 0)
            {
                return r;
            }

            if (InterruptibleWait.WaitForActivity(t))
            {
                return RestartCode.RestartSys;
            }
        }
    }

    /// <summary>Makes the SIGCHLD of a child just reported pending before the wait returns, as on Linux, where the
    /// child's exit queues it before the parent can reap: the host queued it for the runner then too, but the
    /// forwarding pump reads it in its own time, and a guest that drains its SIGCHLDs right after the wait (a
    /// <c>sigtimedwait</c> loop, a signalfd) would otherwise find this one later.</summary>
    private static void TakeChildSignals()
    {
        if (HostSignalForwarding.IsActive)
        {
            HostSignalForwarding.Drain();
        }
    }

    /// <summary>waitid on the host with guest-interruptible blocking (same scheme as <see cref="Wait4"/>: a WNOHANG
    /// call that finds nothing leaves <c>si_pid</c> 0).</summary>
    /// <param name="t">The task.</param>
    /// <param name="idType">P_ALL, P_PID, P_PGID or P_PIDFD.</param>
    /// <param name="id">The id.</param>
    /// <param name="info">Receives the siginfo (128 bytes).</param>
    /// <param name="rusage">Receives the usage (144 bytes).</param>
    /// <param name="options">The options.</param>
    /// <returns>0, -errno, or a restart code.</returns>
    internal static long Waitid(Task t, long idType, long id, byte[] info, byte[] rusage, long options)
    {
        bool blocking = (options & NoHang) == 0 && HostSignalForwarding.IsActive;
        while (true)
        {
            if (blocking)
            {
                t.DrainWake();
            }

            Array.Clear(info);
            long r = HostLinux.Syscall((long)SyscallNumber.Waitid, info, 2, rusage, 4, [idType, id, 0, options | (blocking ? NoHang : 0), 0, 0]);
            bool reported = r == 0 && BinaryPrimitives.ReadInt32LittleEndian(info.AsSpan(WaitInfoPidOffset)) != 0;
            if (reported)
            {
                TakeChildSignals();
            }

            if (!blocking || r != 0 || reported)
            {
                return r;
            }

            if (InterruptibleWait.WaitForActivity(t))
            {
                return RestartCode.RestartSys;
            }
        }
    }
}
