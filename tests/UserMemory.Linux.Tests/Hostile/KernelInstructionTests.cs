using System;
using System.Linq;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, instructions a kernel owns: tests/probes/hostile_insn.c runs int N for every vector, sysenter,
/// sysret, iretq, swapgs, descriptor-table, control- and debug-register instructions, MSRs, port I/O, hypercalls,
/// null and kernel selectors, far returns to ring 0, hlt and single-stepping into a syscall, each in a forked child.
/// The signals differ from Linux by backend (see the probe), so the contract is: every child ends and is reported,
/// the runner ends normally, nothing hangs.
/// </summary>
public sealed class KernelInstructionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(180);

    [ProbeTheory]
    [InlineData("int")]
    [InlineData("misc")]
    public void Every_privileged_instruction_ends_only_its_child(string mode)
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_insn"), mode], Limit);
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.Matches("^[a-z0-9_. ]+: (signal|exit) [0-9]+$", l));
        if (mode == "int")
        {
            Assert.StartsWith("int 0..", lines[0], StringComparison.Ordinal);
            Assert.Contains("..255: ", lines[^1], StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(40, lines.Length);
            Assert.Contains("hlt_loop: signal 11", lines);
            Assert.Contains("far_ret_kernel_cs: signal 11", lines);
            Assert.Contains("mov_cr3: signal 11", lines);
            Assert.DoesNotContain(lines, l => l.EndsWith("exit 50", StringComparison.Ordinal));
        }
    }
}
