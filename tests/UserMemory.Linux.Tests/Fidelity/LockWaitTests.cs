using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity and hangs (issue 11): F_SETLKW, F_OFD_SETLKW and a blocking flock that wait for another process's lock
/// end with EINTR when a signal without SA_RESTART arrives, and go on after the handler with it
/// (tests/probes/lock_wait.c). The runner's host call used to wait with every forwarded signal blocked, so the guest
/// hung for good (stress-ng --lockf). Linux is the oracle.
/// </summary>
public sealed class LockWaitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeFact]
    public void Musl_lock_waits_are_interruptible_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("lock_wait"), [], Limit);

    [ProbeFact]
    public void Glibc_lock_waits_are_interruptible_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("lock_wait"), [], Limit);
}
