using System;
using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Whether the runner's backend under test is KVM: <c>USERMEM_TEST_CPU</c> unset, <c>auto</c> or <c>kvm</c>,
/// and <c>/dev/kvm</c> usable (otherwise the runner's auto falls back to Unicorn).</summary>
internal static class KvmBackendUnderTest
{
    /// <summary>Why a KVM-only test cannot run here, or null when it can.</summary>
    /// <param name="why">Why the test is KVM-only, for the skip message.</param>
    public static string? SkipReason(string why)
    {
        string? cpu = Environment.GetEnvironmentVariable("USERMEM_TEST_CPU");
        if (!string.IsNullOrEmpty(cpu) && cpu != "auto" && cpu != "kvm")
        {
            return why + ": run on the KVM backend only (USERMEM_TEST_CPU=" + cpu + ")";
        }

        return KvmVirtualMachine.IsAvailable(out string reason)
            ? null
            : why + ": run on the KVM backend only, and KVM is unavailable: " + reason;
    }
}
