using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>unshare</c>: <c>CLONE_FS</c> gives the calling thread its own working directory (Go's
/// <c>LockOSThread</c> callers use it to change directory on one thread only): the host thread that runs the task
/// leaves the runner's shared filesystem context too, since relative host paths resolve against the host thread's
/// working directory. New namespaces answer EPERM (the guest cannot leave the runner's). <c>CLONE_FILES</c>,
/// <c>CLONE_VM</c>, <c>CLONE_SIGHAND</c> and <c>CLONE_THREAD</c> are no-ops in a single-threaded process, as on
/// Linux; with other threads they would need a table per thread, and answer EINVAL.
/// </summary>
internal static class UnshareSyscall
{
    /// <summary><c>CLONE_VM</c>.</summary>
    private const ulong ShareMemory = 0x100;

    /// <summary><c>CLONE_FS</c>.</summary>
    private const ulong ShareFs = 0x200;

    /// <summary><c>CLONE_FILES</c>.</summary>
    private const ulong ShareFiles = 0x400;

    /// <summary><c>CLONE_SIGHAND</c>.</summary>
    private const ulong ShareHandlers = 0x800;

    /// <summary><c>CLONE_THREAD</c>.</summary>
    private const ulong ShareThreadGroup = 0x10000;

    /// <summary><c>CLONE_SYSVSEM</c>: the layer keeps no semaphore undo lists, so there is nothing to unshare.</summary>
    private const ulong ShareSemaphoreUndo = 0x40000;

    /// <summary><c>CLONE_NEWTIME</c>, <c>CLONE_NEWNS</c>, <c>CLONE_NEWCGROUP</c>, <c>CLONE_NEWUTS</c>,
    /// <c>CLONE_NEWIPC</c>, <c>CLONE_NEWUSER</c>, <c>CLONE_NEWPID</c>, <c>CLONE_NEWNET</c>.</summary>
    private const ulong NewNamespaces = 0x80 | 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

    /// <summary>The flags that need a single-threaded process to be no-ops.</summary>
    private const ulong SingleThreadOnly = ShareMemory | ShareFiles | ShareHandlers | ShareThreadGroup;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Unshare, SupportLevel.Partial, "CLONE_FS per thread; namespaces EPERM; CLONE_FILES/VM/SIGHAND/THREAD only single-threaded (else EINVAL)", static (t, a) => Unshare(t, a[0]));
    }

    private static long Unshare(Task t, ulong flags)
    {
        if ((flags & ~(ShareFs | ShareSemaphoreUndo | SingleThreadOnly | NewNamespaces)) != 0)
        {
            return Einval;
        }

        if ((flags & SingleThreadOnly) != 0 && t.Group.LiveTasks().Length > 1)
        {
            return Einval;
        }

        if ((flags & NewNamespaces) != 0)
        {
            return Errno(LinuxError.EPERM);
        }

        if ((flags & ShareFs) != 0)
        {
            long r = Syscall(SyscallNumber.Unshare, (long)ShareFs);
            if (r < 0)
            {
                return r;
            }

            t.OwnFs = t.Fs.CopyForThread();
        }

        return 0;
    }
}
