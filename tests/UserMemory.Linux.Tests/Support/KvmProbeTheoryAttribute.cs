using System;
using System.IO;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over the C probes that holds only on the KVM backend (a known difference of the emulated CPU is
/// stated where it is used): skipped, with the reason, when <c>musl-gcc</c> is missing, when
/// <c>USERMEM_TEST_CPU</c> picks another backend, or when KVM is unusable (the runner's auto would then fall back to
/// Unicorn).</summary>
public sealed class KvmProbeTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless the probes build and the backend under test is KVM.</summary>
    public KvmProbeTheoryAttribute()
    {
        string? cpu = Environment.GetEnvironmentVariable("USERMEM_TEST_CPU");
        if (!File.Exists(Probes.Compiler))
        {
            Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
        }
        else if (!string.IsNullOrEmpty(cpu) && cpu != "auto" && cpu != "kvm")
        {
            Skip = "holds on the KVM backend only (USERMEM_TEST_CPU=" + cpu + ")";
        }
        else if (!KvmVirtualMachine.IsAvailable(out string reason))
        {
            Skip = "holds on the KVM backend only, and KVM is unavailable: " + reason;
        }
    }
}
