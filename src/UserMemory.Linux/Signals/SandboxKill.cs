using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Signals;

/// <summary>
/// <c>kill</c> towards other processes, confined to the sandbox (<see cref="SandboxTable"/>): a pid, the caller's
/// process group (0), another group (<c>-pgid</c>) or everyone (-1) means the members of the sandbox that match, never
/// a host process outside it. Members are other runner processes, which forward what they receive to their guest.
/// </summary>
internal static class SandboxKill
{
    private const int Everyone = -1;
    private const int OwnGroup = 0;

    /// <summary>Sends <paramref name="signal"/> (0: only checks) to <paramref name="pid"/> as <c>kill</c> reads it; the
    /// caller's own pid is the caller's business (handled before this).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="pid">A positive pid (another process), 0, -1 or a negated process group.</param>
    /// <param name="signal">A valid signal number or 0.</param>
    /// <returns>0, or <c>-errno</c> (ESRCH when no member matches).</returns>
    internal static long Send(Task t, int pid, int signal)
    {
        if (pid > 0)
        {
            return SandboxTable.Contains(pid) ? HostLinux.Syscall((long)SyscallNumber.Kill, pid, signal) : -(long)LinuxError.ESRCH;
        }

        int self = t.Group.Pid;
        long group = pid == OwnGroup ? HostLinux.Syscall((long)SyscallNumber.Getpgid, 0) : -(long)pid;
        bool everyone = pid == Everyone;
        long result = -(long)LinuxError.ESRCH;
        foreach (int member in SandboxTable.Members())
        {
            // kill(-1) spares the caller (as Linux does); a group includes it when it belongs.
            if ((everyone && member == self) || (!everyone && HostLinux.Syscall((long)SyscallNumber.Getpgid, member) != group))
            {
                continue;
            }

            long r;
            if (member == self)
            {
                if (signal != 0)
                {
                    SignalDelivery.SendFromSelf(t, signal, SignalCode.User, toThread: false);
                }

                r = 0;
            }
            else
            {
                r = HostLinux.Syscall((long)SyscallNumber.Kill, member, signal);
            }

            // Linux answers 0 when any target was signalled, else the last error.
            result = r == 0 || result == 0 ? 0 : r;
        }

        return result;
    }
}
