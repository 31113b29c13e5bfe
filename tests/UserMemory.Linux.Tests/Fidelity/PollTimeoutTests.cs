using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11): ppoll's timeout as Linux treats it (tests/probes/poll_timeout.c): the time left written back
/// when the wait ends (timed out, interrupted, ready, or failing to store the answers) but not for a zero timeout; a
/// read-only timespec that does not fail a completed wait; the timespec checked before the signal mask and the
/// descriptors; nfds an unsigned int. Linux is the oracle.
/// </summary>
public sealed class PollTimeoutTests
{
    [ProbeFact]
    public void Musl_ppoll_timeout_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("poll_timeout"), []);

    [ProbeFact]
    public void Glibc_ppoll_timeout_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("poll_timeout"), []);
}
