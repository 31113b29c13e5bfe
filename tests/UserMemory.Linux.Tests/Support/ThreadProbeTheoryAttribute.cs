using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over the thread probes: skipped, with the reason, when <c>musl-gcc</c> is missing. Threads run
/// on both backends (on KVM each thread is a vCPU of the process's VM, in parallel).</summary>
public sealed class ThreadProbeTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the compiler is missing.</summary>
    public ThreadProbeTheoryAttribute()
    {
        if (!File.Exists(Probes.Compiler))
        {
            Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
        }
    }
}
