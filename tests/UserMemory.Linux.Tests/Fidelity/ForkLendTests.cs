using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 14): fork of a process with more written memory than the runner copies eagerly (64 MiB here), which
/// the runner lends to the child copy-on-write while the parent waits (<c>Process/MemoryLoan</c>). The child must see
/// the memory as at the fork and neither side the other's later stores; MAP_SHARED memory stays shared; and no
/// interleaving may deadlock: a child filling a pipe its parent has not started reading, a child spinning on shared
/// memory for its parent, a child that stops itself, a child that execs, forks again or remaps
/// (tests/probes/fork_lend.c). Linux is the oracle.
/// </summary>
public sealed class ForkLendTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    [ProbeFact]
    public void Musl_fork_of_a_large_process_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("fork_lend"), [], Limit);

    [ProbeFact]
    public void Glibc_fork_of_a_large_process_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("fork_lend"), [], Limit);
}
