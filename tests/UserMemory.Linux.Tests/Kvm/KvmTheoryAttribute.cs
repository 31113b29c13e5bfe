using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>A theory that needs <c>/dev/kvm</c>; skipped like <see cref="KvmFactAttribute"/>.</summary>
public sealed class KvmTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when KVM is unusable here.</summary>
    public KvmTheoryAttribute()
    {
        if (!KvmVirtualMachine.IsAvailable(out string reason))
        {
            Skip = "KVM unavailable: " + reason;
        }
    }
}
