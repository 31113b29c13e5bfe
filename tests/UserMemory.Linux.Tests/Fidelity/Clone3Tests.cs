using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// clone3 (tests/probes/clone3.c, glibc and musl): a fork through <c>struct clone_args</c> with its exit signal,
/// CLONE_PIDFD (a pidfd that signals and polls) and CLONE_PARENT_SETTID; Linux's argument checks (EINVAL for a short
/// struct, a signal in the flags or out of range, a stack without a size; E2BIG for non-zero extra bytes; EFAULT);
/// and glibc's posix_spawn and pthread_create, which try clone3 first. It once answered ENOSYS. Linux is the oracle.
/// </summary>
public sealed class Clone3Tests
{
    [ProbeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Clone3_works_as_on_Linux(bool glibc) =>
        Differential.AssertSameAsNative(glibc ? Probes.GetGlibcStatic("clone3") : Probes.Get("clone3"), []);
}
