using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over the C probes that holds only on the KVM backend (the known difference of the emulated CPU is
/// stated where it is used): skipped, with the reason, when <c>musl-gcc</c> is missing or the backend under test is
/// not KVM (<see cref="KvmBackendUnderTest"/>).</summary>
public sealed class KvmProbeTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless the probes build and the backend under test is KVM.</summary>
    public KvmProbeTheoryAttribute()
    {
        Skip = File.Exists(Probes.Compiler)
            ? KvmBackendUnderTest.SkipReason("a fact of the KVM backend")
            : "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
    }
}
