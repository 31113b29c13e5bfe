using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, forged signal frames: tests/probes/hostile_sigreturn.c forks one child per attack that forges what
/// rt_sigreturn restores (RIP and RSP outside the user range, ring-0 or null CS and SS, a misaligned, unreadable or
/// garbage fpstate with reserved MXCSR bits, every EFLAGS bit, a raw rt_sigreturn on unmapped, kernel or garbage
/// stacks) or makes a signal arrive where no frame fits (unmapped, read-only and wrapping stacks, nested handlers until
/// the stack runs out). Linux is the oracle for how each child ends; the runner must neither crash nor hang.
/// </summary>
public sealed class ForgedSignalFrameTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [ProbeFact]
    public void Every_forged_frame_ends_the_child_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("hostile_sigreturn"), [], Limit);
}
