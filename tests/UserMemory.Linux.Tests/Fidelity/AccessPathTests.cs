using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// access() and faccessat() (tests/probes/access_paths.c) on process substitution's /dev/fd/N and /proc/self/fd/N for
/// a pipe, a symbolic link to a file, a dangling one, a directory and a deleted file held open: access() answers
/// exactly as faccessat(AT_FDCWD, path, mode, 0). It once treated every descriptor link as a write check (EACCES, so
/// <c>sort &lt;(seq 3)</c> failed with "cannot read: /dev/fd/63") and did not follow a final symbolic link. Linux is
/// the oracle.
/// </summary>
public sealed class AccessPathTests
{
    [ProbeFact]
    public void Access_answers_as_faccessat_and_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("access_paths"), []);
}
