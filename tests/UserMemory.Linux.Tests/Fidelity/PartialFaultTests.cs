using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), partly bad buffers: tests/probes/fidelity_partial.c. Linux's answer depends on the file (a small
/// pipe write that faults part-way is EFAULT, /dev/null never touches the buffer, getrandom returns what it wrote, a
/// buf + count that wraps is EFAULT before anything is touched, a pipe write of at most PIPE_BUF is atomic, a vector
/// with partly bad elements is one transfer, and the descriptor's mode, seekability, position and flags are checked
/// before the buffer). Linux is the oracle.
/// </summary>
public sealed class PartialFaultTests
{
    [ProbeTheory]
    [InlineData("pipe")]
    [InlineData("devnull")]
    [InlineData("getrandom")]
    [InlineData("wrap")]
    [InlineData("file")]
    [InlineData("nonblock")]
    [InlineData("vectors")]
    [InlineData("order")]
    public void Partly_bad_buffer_gets_Linux_answer(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_partial"), [mode]);
}
