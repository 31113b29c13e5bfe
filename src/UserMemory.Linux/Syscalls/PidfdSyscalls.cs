using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// pidfds for the processes of the sandbox: <c>pidfd_open</c> of the caller or another sandbox process (guest pid ==
/// host pid) is the host's pidfd behind a guest number (close-on-exec, as Linux makes it), so poll, epoll and waitid
/// see the host's answers; any other pid does not exist here (ESRCH). <c>pidfd_send_signal</c> reads the target from
/// the host pidfd and sends as <c>kill</c> does (<see cref="SignalSyscalls.Kill"/>): to the caller through its own
/// delivery, to another sandbox process through the host. <c>pidfd_getfd</c> would reach into another runner
/// process's descriptor table: EPERM.
/// </summary>
internal static class PidfdSyscalls
{
    /// <summary>PIDFD_NONBLOCK (O_NONBLOCK).</summary>
    private const long NonBlock = (long)OpenFlags.NonBlock;

    /// <summary>PIDFD_THREAD (O_EXCL, Linux 6.9): a pidfd for one thread.</summary>
    private const long Thread = (long)OpenFlags.Exclusive;

    private const int SigInfoSize = 128;
    private const int SigInfoCodeOffset = 8;

    /// <summary>SI_TKILL.</summary>
    private const int ThreadKillCode = -6;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.PidfdOpen, SupportLevel.Partial, "sandbox processes (host pidfds); others ESRCH", static (t, a) => Open(t, (int)a[0], (long)(uint)a[1]));
        b.Add(SyscallNumber.PidfdSendSignal, SupportLevel.Partial, "as kill; a siginfo is checked but its fields are not delivered; scope flags beyond the default are EINVAL", static (t, a) => SendSignal(t, a[0], (int)a[1], a[2], (uint)a[3]));
        b.Add(SyscallNumber.PidfdGetfd, SupportLevel.Unsupported, "another runner's descriptors are out of reach: EBADF for a descriptor that is not a pidfd, else EPERM", static (t, a) => GetFd(t, a[0], (uint)a[2]));
    }

    /// <summary>A pidfd (no flags) for <paramref name="pid"/>, a process of the sandbox (clone's CLONE_PIDFD).</summary>
    /// <param name="t">The task that gets the descriptor.</param>
    /// <param name="pid">The process.</param>
    /// <returns>The guest descriptor, or -errno.</returns>
    internal static long OpenFor(Task t, int pid) => Open(t, pid, 0);

    private static long Open(Task t, int pid, long flags)
    {
        if ((flags & ~(NonBlock | Thread)) != 0 || pid <= 0)
        {
            return Einval;
        }

        if (pid != t.Group.Pid && !SandboxTable.Contains(pid))
        {
            return Errno(LinuxError.ESRCH);
        }

        long host = Syscall(SyscallNumber.PidfdOpen, pid, flags);
        if (host < 0)
        {
            return host;
        }

        // The host always sets close-on-exec on a pidfd; guest descriptors must not carry it on the host (a fork
        // child's runner starts by execve and would lose it while its table still names the number). The guest's
        // flag is kept in the table.
        Syscall(SyscallNumber.Fcntl, host, (long)FcntlCommand.SetFd, 0);

        return AddHostOrClose(t, host, closeOnExec: true);
    }

    private static long SendSignal(Task t, ulong fd, int signal, ulong infoAddr, uint flags)
    {
        if (flags != 0)
        {
            return Einval; // the scope flags (SignalScopes) are not emulated; unknown bits are EINVAL on Linux too
        }

        long pid = PidOf(t, fd);
        if (pid < 0)
        {
            return pid;
        }

        if (infoAddr != 0)
        {
            Span<byte> info = stackalloc byte[SigInfoSize];
            if (t.CopyIn(infoAddr, info) < 0)
            {
                return Efault;
            }

            if (BinaryPrimitives.ReadInt32LittleEndian(info) != signal)
            {
                return Einval;
            }

            int code = BinaryPrimitives.ReadInt32LittleEndian(info[SigInfoCodeOffset..]);
            if ((code >= 0 || code == ThreadKillCode) && pid != t.Group.Pid)
            {
                return Errno(LinuxError.EPERM);
            }
        }

        return SignalSyscalls.Kill(t, (int)pid, signal);
    }

    private static long GetFd(Task t, ulong pidfd, uint flags)
    {
        if (flags != 0)
        {
            return Einval;
        }

        long pid = PidOf(t, pidfd);
        return pid < 0 ? pid : Errno(LinuxError.EPERM);
    }

    /// <summary>The process a guest pidfd refers to, from the host's fdinfo ("Pid:" line).</summary>
    /// <returns>The pid; -EBADF when the descriptor is not a pidfd; -ESRCH when the process is gone.</returns>
    private static long PidOf(Task t, ulong fd)
    {
        OpenFile? f = t.Fds.Get((long)fd);
        if (f is SyntheticFile { Node.Kind: Fs.Proc.ProcNodeKind.ProcessDirectory } process)
        {
            return process.Node.Pid; // a /proc/PID directory is a pidfd too, as on Linux
        }

        if (f is null || f.HostFd < 0)
        {
            return Ebadf;
        }

        byte[] path = Encoding.ASCII.GetBytes("/proc/self/fdinfo/" + f.HostFd.ToString(CultureInfo.InvariantCulture) + "\0");
        long info = HostSpanCall(SyscallNumber.Openat, path, 1, AtFdCwd, 0, (long)(OpenFlags.ReadOnly | OpenFlags.CloseOnExec));
        if (info < 0)
        {
            return Ebadf;
        }

        byte[] text = new byte[PathMax];
        long n = HostSpanCall(SyscallNumber.Read, text, 1, info, 0, text.Length);
        Syscall(SyscallNumber.Close, info);
        if (n <= 0)
        {
            return Ebadf;
        }

        foreach (string line in Encoding.ASCII.GetString(text, 0, (int)n).Split('\n'))
        {
            if (line.StartsWith("Pid:", StringComparison.Ordinal))
            {
                return long.TryParse(line.AsSpan(4).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long pid) && pid > 0
                    ? pid
                    : Errno(LinuxError.ESRCH);
            }
        }

        return ProcDirectoryPid(f.HostFd);
    }

    /// <summary>A <c>/proc/PID</c> directory descriptor is a pidfd too (Linux accepts it in pidfd_send_signal): the
    /// pid its host path names, or -EBADF.</summary>
    private static long ProcDirectoryPid(int hostFd)
    {
        const string ProcPrefix = "/proc/";
        byte[] target = FsContext.HostPathOf(hostFd);
        if (target.Length <= ProcPrefix.Length)
        {
            return Ebadf;
        }

        string path = Encoding.ASCII.GetString(target);
        return path.StartsWith(ProcPrefix, StringComparison.Ordinal)
            && int.TryParse(path.AsSpan(ProcPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            ? pid
            : Ebadf;
    }
}
