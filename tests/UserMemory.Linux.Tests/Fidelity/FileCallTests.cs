using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), file calls that real programs reach: tests/probes/fidelity_files.c. <c>fallocate</c> (Go's
/// linker maps its output file after it) and <c>copy_file_range</c> from a synthetic <c>/proc</c> file (Go's
/// <c>io.Copy</c> falls back to read and write on EINVAL, not on EBADF). Linux is the oracle.
/// </summary>
public sealed class FileCallTests
{
    [ProbeTheory]
    [InlineData("fallocate")]
    [InlineData("copy_file_range")]
    public void File_call_answers_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_files"), [mode]);
}
