using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), memory that must reach its target: tests/probes/fidelity_memory.c. mremap with MREMAP_FIXED
/// lands on the target, MAP_SHARED file mappings reach the file (msync, munmap, exit) and see write(), shared anonymous
/// memory is shared with a forked child. Linux is the oracle.
/// </summary>
public sealed class MemoryFidelityTests
{
    [ProbeTheory]
    [InlineData("mremap_fixed")]
    [InlineData("shared_file")]
    [InlineData("shared_file_edges")]
    [InlineData("shared_anon")]
    [InlineData("shared_fork")]
    public void Memory_reaches_its_target(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_memory"), [mode], System.TimeSpan.FromSeconds(15));
}
