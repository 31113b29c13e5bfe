using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>ptrace</c>, answered as a Linux whose policy forbids tracing (Yama's <c>ptrace_scope</c> 3, or a container's
/// seccomp profile): the layer has no tracer, so nothing ever becomes traced. <c>PTRACE_TRACEME</c>, and
/// <c>PTRACE_ATTACH</c> / <c>PTRACE_SEIZE</c> of a process that exists, answer EPERM; attaching to a process outside
/// the sandbox answers ESRCH (it does not exist for the guest); every other request names a tracee the caller does
/// not trace, which Linux answers ESRCH. Programs that ask for tracing (Go's <c>SysProcAttr.Ptrace</c>, debuggers)
/// then see the permission error they handle, not ENOSYS.
/// </summary>
internal static class PtraceSyscall
{
    /// <summary><c>PTRACE_TRACEME</c>.</summary>
    private const long TraceMe = 0;

    /// <summary><c>PTRACE_ATTACH</c>.</summary>
    private const long Attach = 16;

    /// <summary><c>PTRACE_SEIZE</c>.</summary>
    private const long Seize = 0x4206;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Ptrace, SupportLevel.Stub, "tracing is forbidden: PTRACE_TRACEME and attaching answer EPERM, requests on a tracee ESRCH", static (t, a) => Ptrace(t, (long)a[0], unchecked((int)a[1])));
    }

    private static long Ptrace(Task t, long request, int pid)
    {
        // The request is a long on x86-64 and the pid an int (pid_t), as Linux reads them.
        if (request == TraceMe)
        {
            return Errno(LinuxError.EPERM);
        }

        if (request is Attach or Seize)
        {
            bool exists = pid > 0 && (pid == t.Group.Pid || t.Group.FindTask(pid) is not null || Process.SandboxTable.Contains(pid));
            return Errno(exists ? LinuxError.EPERM : LinuxError.ESRCH);
        }

        return Errno(LinuxError.ESRCH);
    }
}
