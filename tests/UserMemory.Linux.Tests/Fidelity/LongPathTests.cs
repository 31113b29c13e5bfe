using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11): a directory chain deeper than PATH_MAX, built with relative mkdir and chdir, used at the
/// bottom, walked with directory descriptors and removed bottom-up with unlinkat (tests/probes/long_paths.c), as Go's
/// os.RemoveAll tests do. No single call names a path over PATH_MAX, so Linux accepts every one; so must the runner,
/// though it resolves paths itself. Linux is the oracle.
/// </summary>
public sealed class LongPathTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeFact]
    public void Musl_paths_deeper_than_PATH_MAX_work_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("long_paths"), [], Limit);

    [ProbeFact]
    public void Glibc_paths_deeper_than_PATH_MAX_work_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("long_paths"), [], Limit);
}
