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
    [InlineData("maps", Skip = "issue 10: /proc/self/maps is the runner's (libunicorn, .NET libraries, host ranges); the guest's own areas are missing")]
    [InlineData("mem", Skip = "issue 10: /proc/self/mem is the runner's memory: guest addresses do not read the guest's bytes, a write of code does not reach the guest")]
    [InlineData("files", Skip = "issue 10: /proc/self/{status,stat,comm,cmdline,auxv} describe the runner (its name, its signal masks, its auxv); exe is translated only for /proc/self and /proc/<pid>")]
    [InlineData("fd", Skip = "issue 10: /proc/self/fd, fdinfo and /dev/fd list the runner's descriptors (memfd, pipes), and /proc/self/fd/N opens them")]
    public void Guest_sees_only_its_own_process_under_every_spelling(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_proc"), [mode]);
}
