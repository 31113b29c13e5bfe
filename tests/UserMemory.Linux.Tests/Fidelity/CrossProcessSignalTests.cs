using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), signals from another process and from timers: tests/probes/fidelity_signals_cross.c. A child's
/// SIGTERM reaches the parent's handler, an ignored SIGHUP sent by another process is ignored, SIGCHLD interrupts a
/// blocking read (EINTR, or a restart under SA_RESTART), alarm and setitimer fire, pause waits for them, and a futex
/// wait honours its timeout; a timer signal interrupting floating-point code leaves its SSE registers intact; signals from a timer and from another process that interrupt a single-threaded guest between any two instructions resume it exactly there (under Unicorn 2.0.1 a stop from another host thread used to restart a block some of whose instructions had run: musl's syscall() shuffled its arguments twice). Linux is the oracle; every run has a hard limit (a blocked read that never ends is a hang).
/// </summary>
public sealed class CrossProcessSignalTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeTheory]
    [InlineData("kill_from_child")]
    [InlineData("ign_hup")]
    [InlineData("sigchld_eintr")]
    [InlineData("sigchld_restart")]
    [InlineData("alarm")]
    [InlineData("pause")]
    [InlineData("itimer")]
    [InlineData("futex_timeout")]
    [InlineData("xmm_preserved")]
    [InlineData("preempted_chain")]
    public void Signal_arrives_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_signals_cross"), [mode], Limit);
}
