using System;
using System.Linq;
using System.Text.RegularExpressions;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, corrupt executables: tests/probes/hostile_elf.c execve()s 53 damaged copies of itself (truncated
/// headers, huge or wrapping counts, sizes and offsets, kernel and non-canonical addresses, overlapping segments,
/// PT_INTERP naming itself, a directory, a non-ELF file or /proc/self/exe), non-ELF files, #! loops, and argv/envp
/// past ARG_MAX, each from a forked child. Where Linux kills the child after the point of no return the runner mostly
/// refuses the execve first (ENOEXEC), so the contract is that every attack is reported and the runner survives.
/// </summary>
public sealed class CorruptExecutableTests
{
    private const int Attacks = 53;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    [ProbeFact]
    public void Every_corrupt_executable_ends_only_its_child()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_elf")], Limit);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("elf done\n", r.StdoutText, StringComparison.Ordinal);
        Assert.Equal(Attacks, r.StdoutText.Split('\n').Count(l => Regex.IsMatch(l, "^[a-z0-9_]+: (execve|signal|exit) ")));
        Assert.Contains("intact: exit 0", r.StdoutText, StringComparison.Ordinal);
        Assert.Contains("arg_too_long: execve Argument list too long", r.StdoutText, StringComparison.Ordinal);
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
    }
}
