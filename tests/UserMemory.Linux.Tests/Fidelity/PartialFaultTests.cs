using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), partly bad buffers: tests/probes/fidelity_partial.c. Linux's answer depends on the file (a small
/// pipe write that faults part-way is EFAULT, /dev/null never touches the buffer, getrandom returns what it wrote, a
/// buf + count that wraps is EFAULT before anything is touched, a pipe write of at most PIPE_BUF is atomic). Linux is
/// the oracle.
/// </summary>
public sealed class PartialFaultTests
{
    [ProbeTheory]
    [InlineData("pipe", Skip = "issue 11: a pipe write or read that faults part-way returns the prefix count (Linux: EFAULT for a pipe)")]
    [InlineData("devnull", Skip = "issue 11: /dev/null with an unmapped buffer answers EFAULT or a prefix (Linux: the full count, untouched)")]
    [InlineData("getrandom", Skip = "issue 11: getrandom into a partly mapped buffer answers EFAULT (Linux: the bytes it wrote)")]
    [InlineData("wrap", Skip = "issue 11: read/write whose buf + count wraps transfer a page (and write into it) instead of EFAULT")]
    [InlineData("file")]
    [InlineData("nonblock", Skip = "issue 11: writev of 4 KiB into a non-blocking pipe with 2 KiB free returns 2048 (Linux: EAGAIN)")]
    public void Partly_bad_buffer_gets_Linux_answer(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_partial"), [mode]);
}
