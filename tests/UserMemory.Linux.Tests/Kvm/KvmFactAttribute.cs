using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>A fact that needs <c>/dev/kvm</c>; skipped, with the reason KVM gives, only where it is absent or refuses.</summary>
public sealed class KvmFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when KVM is unusable here.</summary>
    public KvmFactAttribute()
    {
        if (!KvmVirtualMachine.IsAvailable(out string reason))
        {
            Skip = "KVM unavailable: " + reason;
        }
    }
}
