using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issues 11 and 12): what an <c>execve</c> keeps (pid, mask, pending signals, ignored dispositions,
/// interval timers, plain descriptors and their offsets, working directory, umask) and drops (handlers, close-on-exec
/// descriptors, POSIX timers, the robust list), through a chain of 200 execs that must leave no descriptor behind,
/// an exec from a two-thread process and one from a vfork child (tests/probes/exec_state.c). A single-threaded
/// process is replaced inside its runner (<c>Process/InProcessExec</c>); the others re-execute the runner. Linux is
/// the oracle.
/// </summary>
public sealed class ExecStateTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    [ProbeFact]
    public void Musl_exec_keeps_and_drops_what_Linux_does() => Differential.AssertSameAsNative(Probes.Get("exec_state"), [], Limit);

    [ProbeFact]
    public void Glibc_exec_keeps_and_drops_what_Linux_does() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("exec_state"), [], Limit);
}
