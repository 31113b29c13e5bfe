using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// Anonymous fault-around as the guest sees it (tests/probes/fault_around.c): on KVM a write fault in private
/// anonymous memory populates the aligned 64 KiB around the page, clipped to the mapping, and mincore and
/// /proc/self/statm show exactly those pages; read faults and MADV_NOHUGEPAGE areas (also in a forked child) stay
/// page-granular, MADV_HUGEPAGE undoes the advice, both answer ENOMEM for a hole. Unicorn cannot tell a write fault
/// on a not-present page from a read (its API has no page-fault error code), so there every fault is page-granular.
/// Not differential: Linux's answer depends on the host's mTHP settings.
/// </summary>
public sealed class FaultAroundProbeTests
{
    [ProbeFact]
    public void Write_faults_populate_their_window_and_the_guest_sees_it()
    {
        bool kvm = KvmBackendUnderTest.SkipReason("fault-around") is null;
        string window = kvm ? "16" : "1";
        ProcessResult emulated = HostProcess.RunUnderRunner([Probes.Get("fault_around")]);
        Assert.Equal(
            $"""
            write_fault window={window} next=0
            read_fault window=1
            nohugepage 0 errno=0
            nohugepage window=1
            hugepage 0 errno=0
            hugepage again window={window}
            mprotect_none 0 errno=0
            split window={(kvm ? "8" : "1")} below={(kvm ? "8" : "1")}
            rss_delta={window}
            child nohugepage window=1
            nohugepage_hole -1 errno=12
            hugepage_hole -1 errno=12

            """,
            emulated.Stdout);
        Assert.Equal(0, emulated.ExitCode);
    }
}
