using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// Detaches the .NET runtime's private copies of host descriptors 0, 1 and 2 from the guest's files. CoreCLR's platform
/// layer duplicates the three standard descriptors when it starts (close-on-exec copies behind its standard handles;
/// NativeAOT does not). In a runner those numbers are guest descriptors: in a next runner they are whatever guest files
/// landed there (a pipe's write end, often), and in the first runner they are the guest's standard streams. A copy the
/// runtime keeps would hold such a pipe open after the guest closed its last descriptor of it, so a reader in another
/// process would never see end-of-file (Go's <c>os/exec</c> waits for exactly that).
/// <para>Each copy is re-pointed, not closed, so its number stays occupied and nothing the guest opens later can land
/// where the runtime writes: copies of 0 and 1 to <c>/dev/null</c>, the copy of 2 to the target the caller names
/// (the runtime's last words on a crash go there). Copies are found with <c>kcmp(KCMP_FILE)</c>, which names one
/// open file description exactly; where the host has no <c>kcmp</c>, nothing is changed.</para>
/// <para>Invariant: run at the start of the runner, before anything of the runner itself duplicates 0, 1 or 2 (the
/// runner never uses <see cref="System.Console"/>).</para>
/// </summary>
public static class RuntimeStreamCopies
{
    /// <summary><c>KCMP_FILE</c>: do two descriptors name the same open file description.</summary>
    private const long KcmpFile = 0;

    /// <summary>The standard descriptors: 0, 1, 2.</summary>
    private const int StandardStreams = 3;

    /// <summary>The standard error descriptor.</summary>
    private const int StandardError = 2;

    private const long AtFdCwd = -100;

    /// <summary>Re-points every close-on-exec copy of host 0, 1 and 2 above 2 (not a runner descriptor).</summary>
    /// <param name="errorTarget">Where the copy of 2 goes: a host descriptor, or -1 to leave that copy alone.</param>
    /// <returns>How many copies were re-pointed.</returns>
    public static int Detach(int errorTarget)
    {
        int self = System.Environment.ProcessId;
        List<int> descriptors = OwnHostDescriptors.List();
        long devNull = -1;
        int changed = 0;
        foreach (int fd in descriptors)
        {
            if (fd < StandardStreams || RunnerDescriptors.IsReserved(fd) || fd == errorTarget)
            {
                continue;
            }

            long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.GetFd);
            if (flags < 0 || (flags & RunnerDescriptors.CloseOnExecFlag) == 0)
            {
                continue; // the runtime's copies carry close-on-exec; guest descriptors do not
            }

            for (int standard = 0; standard < StandardStreams; standard++)
            {
                long same = HostLinux.Syscall((long)SyscallNumber.Kcmp, self, self, KcmpFile, fd, standard);
                if (same < 0)
                {
                    CloseIfOpen(devNull);
                    return changed; // no kcmp here (ENOSYS, EPERM): leave everything as it is
                }

                if (same != 0)
                {
                    continue;
                }

                long target;
                if (standard == StandardError)
                {
                    if (errorTarget < 0)
                    {
                        break;
                    }

                    target = errorTarget;
                }
                else
                {
                    if (devNull < 0)
                    {
                        devNull = HostLinux.Syscall((long)SyscallNumber.Openat, "/dev/null\0"u8.ToArray(), 1, [AtFdCwd, 0, (long)(OpenFlags.ReadWrite | OpenFlags.CloseOnExec), 0, 0, 0]);
                        if (devNull < 0)
                        {
                            return changed;
                        }
                    }

                    target = devNull;
                }

                if (HostLinux.Syscall((long)SyscallNumber.Dup3, target, fd, (long)OpenFlags.CloseOnExec) >= 0)
                {
                    changed++;
                }

                break;
            }
        }

        CloseIfOpen(devNull);
        return changed;
    }

    private static void CloseIfOpen(long fd)
    {
        if (fd >= 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, fd);
        }
    }
}
