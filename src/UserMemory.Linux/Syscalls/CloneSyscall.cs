using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>clone</c>'s flag checks and its thread form: <c>CLONE_VM | CLONE_THREAD</c> (with <c>CLONE_SIGHAND</c>,
/// <c>CLONE_FS</c>, <c>CLONE_FILES</c>), the flag sets of glibc's and musl's <c>pthread_create</c> and Go's
/// <c>newosproc</c>. A new task gets a CPU sharing the caller's memory (<see cref="ICpu.CreateThreadCpu"/>), the
/// caller's registers with RAX 0, the given stack and TLS, the caller's signal mask, no alternate stack and nothing
/// pending, and runs on its own host thread (see <c>Kernel/Task.Threads.cs</c> for tids). Forms without
/// <c>CLONE_VM</c> are forks (<c>ProcessSyscalls</c>).
/// </summary>
internal static class CloneSyscall
{
    private const ulong Vm = (ulong)CloneFlags.Vm;
    private const ulong Fs = (ulong)CloneFlags.Fs;
    private const ulong Files = (ulong)CloneFlags.Files;
    private const ulong SigHand = (ulong)CloneFlags.SigHand;
    private const ulong Thread = (ulong)CloneFlags.Thread;
    private const ulong Vfork = (ulong)CloneFlags.Vfork;
    private const ulong NewNs = (ulong)CloneFlags.NewNs;
    private const ulong SetTls = (ulong)CloneFlags.SetTls;
    private const ulong ParentSetTid = (ulong)CloneFlags.ParentSetTid;
    private const ulong ChildSetTid = (ulong)CloneFlags.ChildSetTid;
    private const ulong ChildClearTid = (ulong)CloneFlags.ChildClearTid;
    private const ulong PidFd = (ulong)CloneFlags.PidFd;
    private const ulong Parent = (ulong)CloneFlags.Parent;
    private const ulong Detached = (ulong)CloneFlags.Detached;

    /// <summary>The combinations Linux's <c>copy_process</c> refuses with EINVAL.</summary>
    /// <param name="flags">clone's flags.</param>
    /// <returns>0, or -EINVAL.</returns>
    internal static long Validate(ulong flags)
    {
        if ((flags & (NewNs | Fs)) == (NewNs | Fs))
        {
            return Einval;
        }

        if ((flags & Thread) != 0 && (flags & SigHand) == 0)
        {
            return Einval; // thread groups share signal handlers
        }

        if ((flags & SigHand) != 0 && (flags & Vm) == 0)
        {
            return Einval; // shared handlers need shared memory
        }

        if ((flags & PidFd) != 0 && (flags & (Thread | ParentSetTid | Detached)) != 0)
        {
            return Einval; // CLONE_PIDFD reuses parent_tid, names processes only, and reserves CLONE_DETACHED
        }

        return 0;
    }

    /// <summary>True when <paramref name="flags"/> ask for a thread of the caller's group.</summary>
    /// <param name="flags">clone's flags.</param>
    /// <returns>Whether the thread path applies.</returns>
    internal static bool IsThread(ulong flags) => (flags & Vm) != 0 && (flags & Vfork) == 0;

    /// <summary>clone with <c>CLONE_VM</c> and without <c>CLONE_VFORK</c>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="flags">The flags (already validated).</param>
    /// <param name="stack">The child's stack pointer, or 0 for the caller's.</param>
    /// <param name="parentTid">Where CLONE_PARENT_SETTID writes the tid.</param>
    /// <param name="childTid">Where CLONE_CHILD_SETTID writes and CLONE_CHILD_CLEARTID clears it.</param>
    /// <param name="tls">The child's FS base under CLONE_SETTLS.</param>
    /// <returns>The child's tid, or -errno.</returns>
    internal static long CreateThread(Task t, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        if ((flags & Thread) == 0 || (flags & (Fs | Files)) != (Fs | Files) || (flags & Parent) != 0)
        {
            // A process sharing memory but not the group (or a thread with its own descriptor table or cwd) needs a
            // second address-space owner in one host process: not supported.
            return Errno(LinuxError.ENOSYS);
        }

        ICpu? cpu = t.Cpu.CreateThreadCpu();
        if (cpu is null)
        {
            // The backend cannot run another thread of this process (KVM: all its vCPU slots are in use), as Linux
            // answers a thread limit.
            return Errno(LinuxError.EAGAIN);
        }

        cpu.Write(CpuRegister.Rax, 0);
        if (stack != 0)
        {
            cpu.Write(CpuRegister.Rsp, stack);
        }

        if ((flags & SetTls) != 0)
        {
            cpu.Write(CpuRegister.FsBase, tls);
        }

        return t.StartThread(cpu, child =>
        {
            if ((flags & ChildClearTid) != 0)
            {
                child.ClearChildTid = childTid;
            }

            if ((flags & ChildSetTid) != 0)
            {
                _ = child.WriteI32(childTid, child.Tid);
            }

            if ((flags & ParentSetTid) != 0)
            {
                _ = t.WriteI32(parentTid, child.Tid);
            }
        });
    }
}
