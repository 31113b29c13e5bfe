using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, hangs (issue 10): tests/probes/hostile_hangs.c jumps to address 0, into non-executable memory and to
/// a kernel address (Linux: SIGSEGV, exit 139), reads a pipe with readv after the first element is satisfied (the
/// partial count) and sleeps to past and near absolute deadlines (returns at once, or at the deadline). Each run has a
/// hard limit; a run that hits it is a hang. Linux is the oracle.
/// </summary>
public sealed class HangTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeTheory]
    [InlineData("jump0")]
    [InlineData("jump_nx")]
    [InlineData("jump_kernel")]
    [InlineData("readv_pipe")]
    [InlineData("abstime")]
    public void Guest_ends_or_returns_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_hangs"), [mode], Limit);
}
