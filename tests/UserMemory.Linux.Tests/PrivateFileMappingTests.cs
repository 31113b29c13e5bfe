using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// MAP_PRIVATE of a regular file, read in on first touch (tests/probes/mmap_private_large.c): a 320 MiB private mapping
/// of a sparse 300 MiB file (over the old 256 MiB cap of eager copies), a few pages touched, the zero tail of the last
/// page, SIGBUS with BUS_ADRERR and the exact si_addr on a page wholly past the file's end (also after the process
/// shrank the file), private stores, and a forked child reading the mapping. Linux is the oracle, on either backend.
/// </summary>
public sealed class PrivateFileMappingTests
{
    [ProbeTheory]
    [InlineData("musl")]
    [InlineData("glibc-static")]
    public void A_sparse_file_larger_than_256_MiB_maps_privately_as_on_Linux(string build) =>
        Differential.AssertSameAsNative(build == "musl" ? Probes.Get("mmap_private_large") : Probes.GetGlibcStatic("mmap_private_large"), []);
}
