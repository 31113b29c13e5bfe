using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Cpu;

/// <summary>
/// The Unicorn backend on real page tables, seen from a guest without signal handlers (tests/probes/cpu_paging.c):
/// privileged instructions and protection changes end the guest by SIGSEGV exactly as on Linux, reused code pages run
/// their new code, sparse lazy memory and holes work, and lazily refilled pages survive fork. Linux is the oracle.
/// </summary>
public sealed class CpuPagingProbeTests
{
    [ProbeTheory]
    [InlineData("hlt")]
    [InlineData("cli")]
    [InlineData("in")]
    [InlineData("rdmsr")]
    [InlineData("nx")]
    [InlineData("ro_store")]
    [InlineData("unmapped_touch")]
    [InlineData("remap_code")]
    [InlineData("sparse")]
    [InlineData("fork_lazy")]
    [InlineData("reuse")]
    public void Guest_sees_Linux_paging(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("cpu_paging"), [mode]);
}
