using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, the listing of /proc (found with stress-ng's <c>--procfs</c> stressor, which walks every process
/// directory readdir shows): tests/probes/proc_listing.c checks that every listed process directory opens (but for one
/// that exits meanwhile) and that its own is listed. The runner used to pass the host's /proc listing through, so the
/// guest learned the pid of every host process, though none of them opened. Linux is the oracle.
/// </summary>
public sealed class ProcListingTests
{
    [ProbeFact]
    public void Readdir_of_proc_lists_only_processes_the_guest_can_open() =>
        Differential.AssertSameAsNative(Probes.Get("proc_listing"), []);
}
