using System;
using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over the thread probes: skipped, with the reason, when <c>musl-gcc</c> is missing or when the
/// suite runs on the KVM backend, which runs one thread per process (clone with CLONE_THREAD answers ENOSYS there:
/// its vCPUs share one ring-0 stack and one TLB-invalidation list in the system region, so a second vCPU cannot run
/// yet).</summary>
public sealed class ThreadProbeTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the compiler or the backend's thread support is missing.</summary>
    public ThreadProbeTheoryAttribute()
    {
        if (!File.Exists(Probes.Compiler))
        {
            Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
        }
        else if (string.Equals(Environment.GetEnvironmentVariable("USERMEM_TEST_CPU"), "kvm", StringComparison.Ordinal))
        {
            Skip = "threads run on the Unicorn backend only: the KVM backend answers clone(CLONE_THREAD) with ENOSYS (its vCPUs share one ring-0 stack and TLB-invalidation list)";
        }
    }
}
