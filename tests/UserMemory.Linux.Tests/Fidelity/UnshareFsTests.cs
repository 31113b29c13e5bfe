using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// <c>unshare(CLONE_FS)</c> on one thread: tests/probes/unshare_fs.c. Its working directory changes alone (Go's
/// runtime TestLockOSThreadAvoidsStatePropagation got ENOSYS), threads it starts share it, and the flags Linux refuses
/// in a multi-threaded process are refused. Linux is the oracle.
/// </summary>
public sealed class UnshareFsTests
{
    [ProbeFact]
    public void A_thread_that_unshares_its_fs_changes_directory_alone() =>
        Differential.AssertSameAsNative(Probes.Get("unshare_fs"), ["thread"]);
}
