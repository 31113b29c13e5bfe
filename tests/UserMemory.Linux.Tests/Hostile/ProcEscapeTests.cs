using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, proc escapes (issue 10): tests/probes/hostile_proc.c reads /proc/self under every spelling of the
/// path (/proc/self, /proc/thread-self, /proc/&lt;pid&gt;, /proc/./self, //proc/self/../self, a directory descriptor of
/// /proc, symlinks into /proc, /dev/fd/..) and prints properties of what it saw. Linux is the oracle: the guest must
/// see its own process (its maps, its memory through mem, its argv, environment, signal masks and descriptors),
/// exactly as a native run does, and nothing of the runner.
/// </summary>
public sealed class ProcEscapeTests
{
    [ProbeTheory]
    [InlineData("maps")]
    [InlineData("mem")]
    [InlineData("files")]
    [InlineData("fd")]
    public void Guest_sees_only_its_own_process_under_every_spelling(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_proc"), [mode]);
}
