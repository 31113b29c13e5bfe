using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over Go programs that are too compute-heavy for the emulated CPU within CI time (a minute or more
/// each on Unicorn, seconds on KVM): it runs only when the backend under test is KVM, and is skipped, with the reason,
/// when the Go toolchain is missing or the backend under test is not KVM (<see cref="KvmBackendUnderTest"/>).</summary>
public sealed class GoKvmTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless Go is installed and the backend under test is KVM.</summary>
    public GoKvmTheoryAttribute()
    {
        Skip = File.Exists(GoPrograms.Toolchain)
            ? KvmBackendUnderTest.SkipReason("compute-heavy")
            : "the Go toolchain is missing (Debian package golang-go; scripts/install-deps.sh installs it)";
    }
}
