using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), signalfd: tests/probes/signalfd.c, built with musl and with glibc, natively and under the
/// runner, same bytes. The records' fields for kill, sigqueue, tkill and SIGCHLD, several records per read in Linux's
/// order, poll/select/epoll readiness, O_NONBLOCK and close-on-exec, a blocking read woken by another process and one
/// interrupted by a handled signal, changing the mask, dup, a fork child's own signals, and the errors. Linux is the
/// oracle; every run has a hard limit (a read that never ends is a hang).
/// </summary>
public sealed class SignalFdTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeFact]
    public void Musl_signalfd_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("signalfd"), [], Limit);

    [ProbeFact]
    public void Glibc_signalfd_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("signalfd"), [], Limit);
}
