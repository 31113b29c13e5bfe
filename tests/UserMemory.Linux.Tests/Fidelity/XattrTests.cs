using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11): extended attributes set, read, listed and removed in their path, l and f forms, with Linux's
/// argument checks and errno order, symbolic links followed or not, and /proc (no attributes; a link's user.*
/// refused as the VFS refuses it): tests/probes/xattr.c. CPython's shutil, tar and cp -a copy them; setxattr answered
/// ENOSYS before. Linux is the oracle.
/// </summary>
public sealed class XattrTests
{
    [ProbeFact]
    public void Musl_xattr_calls_behave_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("xattr"), []);

    [ProbeFact]
    public void Glibc_xattr_calls_behave_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("xattr"), []);
}
