using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issues 11 and 14): a pipe reader sees end-of-file as soon as the last write end closes, even when that
/// end travelled through fork, fork + execve (landing on a low descriptor number) or two threads forking and
/// exec'ing at once (tests/probes/pipe_eof.c). A runner whose runtime kept a copy of a guest descriptor, or a sibling
/// runner that inherited one by accident, delays end-of-file until the child exits: Go's parallel os/exec then
/// deadlocks. Linux is the oracle.
/// </summary>
public sealed class PipeEndOfFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [ProbeFact]
    public void Musl_pipe_end_of_file_arrives_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("pipe_eof"), [], Limit);

    [ProbeFact]
    public void Glibc_pipe_end_of_file_arrives_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("pipe_eof"), [], Limit);
}
