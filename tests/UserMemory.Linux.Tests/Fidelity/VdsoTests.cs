using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// The vDSO (tests/probes/vdso.c): found through AT_SYSINFO_EHDR the way musl and Go find it (DT_HASH, versions), and
/// its clocks agree with the system calls: the monotonic clocks never step back between a vDSO read and a system
/// call (once the runner has calibrated the clock page, and before), bad pointers fault as in Linux's vDSO, slow
/// clocks and bad ids answer as the system call. Linux is the oracle; the probe is built with musl and with glibc.
/// </summary>
public sealed class VdsoTests
{
    [ProbeTheory]
    [InlineData("symbols")]
    [InlineData("clocks")]
    [InlineData("faults")]
    public void The_vdso_answers_as_linux_does(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("vdso"), [mode]);

    [ProbeTheory]
    [InlineData("symbols", false)]
    [InlineData("clocks", false)]
    [InlineData("symbols", true)]
    [InlineData("clocks", true)]
    public void The_vdso_serves_glibc_as_it_serves_musl(string mode, bool dynamic) =>
        Differential.AssertSameAsNative(dynamic ? Probes.GetGlibcDynamic("vdso") : Probes.GetGlibcStatic("vdso"), [mode]);
}
