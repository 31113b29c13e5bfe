using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// madvise (tests/probes/madvise.c): MADV_DONTNEED frees private pages (anonymous memory reads zero again, also in a
/// forked child; a private file mapping reads the file again; MAP_SHARED keeps its contents); a range with an unmapped
/// part answers ENOMEM after the advice reached the mapped part; zero length, misaligned start and unknown advice. The
/// runner once ignored every advice and answered 0 for unmapped ranges. Linux is the oracle.
/// </summary>
public sealed class MadviseTests
{
    [ProbeFact]
    public void Madvise_answers_and_frees_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("madvise"), []);
}
