using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// One file mapped <c>MAP_SHARED</c> tens of thousands of times, as Linux allows up to <c>vm.max_map_count</c>
/// (tests/probes/shared_file_aliases.c; Go's runtime <c>TestMemmoveOverflow</c> does it with 49 152 mappings): every
/// alias shows the same pages, descriptors are still available afterwards (before, each mapping duplicated the host
/// descriptor, so the guest's other opens and fork/execs answered EMFILE, and the 16 384th mapping ENOMEM), read-only
/// and writable descriptors of one file keep their own access, and a new file reusing a freed inode is not mistaken
/// for the old one.
/// </summary>
public sealed class SharedFileAliasTests
{
    [ProbeFact]
    public void Many_shared_mappings_of_one_file_behave_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("shared_file_aliases"), []);
}
