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
        Differential.AssertSameAsNative(Probes.Get("fidelity_memory"), [mode], System.TimeSpan.FromSeconds(60));

    /// <summary>A forked child shrinks a file its parent maps. Linux raises SIGBUS on the parent's next access; under
    /// the runner the host view still maps the old pages, so the first accesses are host faults, which the address
    /// space's fault guard repairs with zero pages (the host survives, the guest reads zero). The next memory syscall
    /// moves those pages out, and from then on the guest gets SIGBUS exactly as on Linux.</summary>
    [ProbeFact]
    public void A_file_shrunk_by_another_process_never_crashes_the_runner()
    {
        string[] arguments = ["shrunk_elsewhere"];
        ProcessResult native = HostProcess.Run(Probes.Get("fidelity_memory"), arguments);
        Assert.Contains("first_access signo=7 code=2 addr_exact=1\n", native.Stdout, System.StringComparison.Ordinal);
        ProcessResult emulated = HostProcess.RunUnderRunner([Probes.Get("fidelity_memory"), .. arguments]);
        Assert.True(emulated.ExitCode == 0, emulated.ToString());
        string[] lines = emulated.Stdout.Split('\n');
        Assert.Contains(lines[0], new[] { "first_access signo=7 code=2 addr_exact=1", "first_access ok value=0" });
        Assert.Equal(native.Stdout.Split('\n')[2..], lines[2..]); // from the msync on, exactly Linux's answers
    }
}
