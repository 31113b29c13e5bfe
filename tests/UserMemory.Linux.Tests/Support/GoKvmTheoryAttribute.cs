using System;
using System.IO;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over Go programs that are too compute-heavy for the emulated CPU within CI time (a minute or more
/// each on Unicorn, seconds on KVM): it runs only when the backend under test is KVM, and is skipped, with the reason,
/// when the Go toolchain is missing, when <c>USERMEM_TEST_CPU</c> picks another backend, or when KVM is unusable (the
/// runner's auto would then fall back to Unicorn).</summary>
public sealed class GoKvmTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> unless Go is installed and the backend under test is KVM.</summary>
    public GoKvmTheoryAttribute()
    {
        string? cpu = Environment.GetEnvironmentVariable("USERMEM_TEST_CPU");
        if (!File.Exists(GoPrograms.Toolchain))
        {
            Skip = "the Go toolchain is missing (Debian package golang-go; scripts/install-deps.sh installs it)";
        }
        else if (!string.IsNullOrEmpty(cpu) && cpu != "auto" && cpu != "kvm")
        {
            Skip = "compute-heavy: run on the KVM backend only (USERMEM_TEST_CPU=" + cpu + ")";
        }
        else if (!KvmVirtualMachine.IsAvailable(out string reason))
        {
            Skip = "compute-heavy: run on the KVM backend only, and KVM is unavailable: " + reason;
        }
    }
}
