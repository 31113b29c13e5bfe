namespace UserMemory.Linux.Cpu;

/// <summary>Which CPU backend runs the guest (<c>--cpu</c>).</summary>
public enum CpuBackend
{
    /// <summary>Pick the backend that is faster for typical (syscall-heavy) work on this host; see
    /// <see cref="CpuBackendSelector"/>.</summary>
    Auto,

    /// <summary>The Unicorn emulator (libunicorn2): works everywhere, translates guest code.</summary>
    Unicorn,

    /// <summary>KVM (<c>/dev/kvm</c>): guest code runs natively; every syscall and page fault is a VM exit.</summary>
    Kvm,
}
