using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// What a fork does with madvise's fork advice and with private file mappings (tests/probes/madvise_fork.c):
/// MADV_DONTFORK ranges are missing in the child (SIGSEGV; free for a new mapping), MADV_WIPEONFORK ranges read zero
/// there and keep the advice for a grandchild, MADV_DOFORK and MADV_KEEPONFORK undo them, EINVAL for WIPEONFORK on
/// file and shared mappings, ENOMEM for holes, mremap keeps the advice, a vfork child is unaffected; the same after the
/// process wrote over 32 MiB (a forked child then borrows the parent's memory). A MAP_PRIVATE file mapping longer than
/// the file: the child reads untouched pages from the file as it is then, gets SIGBUS (BUS_ADRERR, exact si_addr) past
/// its end, and its stores reach neither the parent nor the file. The runner once copied the advised ranges anyway and
/// read every file page in before a fork (zero, not SIGBUS, past the end in the child). Linux is the oracle.
/// </summary>
public sealed class MadviseForkTests
{
    [ProbeTheory]
    [InlineData("musl")]
    [InlineData("glibc-static")]
    public void Fork_advice_and_private_file_mappings_reach_a_child_as_on_Linux(string build) =>
        Differential.AssertSameAsNative(build == "musl" ? Probes.Get("madvise_fork") : Probes.GetGlibcStatic("madvise_fork"), []);
}
