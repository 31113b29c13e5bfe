using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), automatic reaping: tests/probes/child_reaping.c, built with musl and with glibc, natively and
/// under the runner. SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT (with a handler, which still runs, or with SIG_DFL),
/// leaves no zombies: wait4, waitpid and waitid wait until every child has gone and fail with ECHILD, and a reaped
/// child's pid no longer exists (ESRCH). SIG_DFL again brings zombies back, and SIG_IGN survives execve. Linux is the
/// oracle; every run has a hard limit (a wait that never ends is a hang).
/// </summary>
public sealed class ChildReapingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeTheory]
    [InlineData("ign_wait")]
    [InlineData("ign_blocks")]
    [InlineData("nocldwait")]
    [InlineData("nocldwait_dfl")]
    [InlineData("restore_dfl")]
    [InlineData("waitid_ign")]
    [InlineData("exec_keeps")]
    public void Musl_children_are_reaped_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("child_reaping"), [mode], Limit);

    [ProbeTheory]
    [InlineData("ign_wait")]
    [InlineData("nocldwait")]
    [InlineData("waitid_ign")]
    [InlineData("exec_keeps")]
    public void Glibc_children_are_reaped_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.GetGlibcStatic("child_reaping"), [mode], Limit);
}
