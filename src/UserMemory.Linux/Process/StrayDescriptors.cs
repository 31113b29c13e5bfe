using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// Closes the host descriptors a next runner inherited by accident. Guest descriptors carry no host close-on-exec (they
/// must survive the host <c>execve</c>), so a runner that forks while another guest thread is between creating a host
/// descriptor and entering it in the table (a <c>pipe2</c>, <c>accept</c> or <c>dup</c> in flight), or while a
/// removed one is not yet closed, hands the child a host descriptor its table does not name. The guest could never
/// reach it, but it would keep a pipe's write end open in the child for the child's whole life, so the reader of that
/// pipe in another process would never see end-of-file (Go's parallel <c>os/exec</c> waits for exactly that). Linux
/// copies the table atomically, so the child has exactly the table's descriptors; this gives the same result.
/// <para>Invariant: run once, in a runner started with a hand-off state, before any guest code runs and before the
/// runner opens descriptors of its own without close-on-exec. Only descriptors without close-on-exec are candidates:
/// the .NET runtime and the runner open theirs with it, so they are never touched.</para>
/// </summary>
internal static class StrayDescriptors
{
    /// <summary>Closes every host descriptor without close-on-exec that is neither in <paramref name="keep"/> nor one of
    /// <see cref="RunnerDescriptors"/>' fixed numbers.</summary>
    /// <param name="keep">The descriptors the state hands over (the table's host descriptors, the memory snapshot, the
    /// shared objects).</param>
    /// <returns>How many were closed.</returns>
    public static int CloseAllExcept(IReadOnlySet<int> keep)
    {
        System.ArgumentNullException.ThrowIfNull(keep);
        List<int> candidates = OwnHostDescriptors.List();
        int closed = 0;
        foreach (int fd in candidates)
        {
            if (RunnerDescriptors.IsReserved(fd) || keep.Contains(fd))
            {
                continue;
            }

            long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.GetFd);
            if (flags >= 0 && (flags & RunnerDescriptors.CloseOnExecFlag) == 0)
            {
                HostLinux.Syscall((long)SyscallNumber.Close, fd);
                closed++;
            }
        }

        return closed;
    }

    /// <summary>Unbinds every guest descriptor whose host descriptor did not arrive: closed, or carrying close-on-exec
    /// (so what is at that number now is the runtime's or the runner's, opened after the start). A guest number must
    /// never lead to a descriptor of the runner; the guest finds the number closed instead (EBADF).</summary>
    /// <param name="table">The table the state described.</param>
    /// <returns>How many entries were dropped.</returns>
    public static int DropUnbacked(Fs.FdTable table)
    {
        System.ArgumentNullException.ThrowIfNull(table);
        int dropped = 0;
        foreach (int guest in table.GuestDescriptors())
        {
            int host = table.HostOf(guest);
            if (host < 0)
            {
                continue; // synthetic
            }

            long flags = HostLinux.Syscall((long)SyscallNumber.Fcntl, host, (long)FcntlCommand.GetFd);
            if (flags < 0 || (flags & RunnerDescriptors.CloseOnExecFlag) != 0)
            {
                table.Take(guest); // not ours to close
                dropped++;
            }
        }

        return dropped;
    }
}
