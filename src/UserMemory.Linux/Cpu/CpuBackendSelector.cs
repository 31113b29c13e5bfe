using UserMemory.Linux.Cpu.Kvm;

namespace UserMemory.Linux.Cpu;

/// <summary>
/// Turns the requested <see cref="CpuBackend"/> into the one that runs, once per runner start (forked and executed
/// runners inherit the resolved choice).
/// </summary>
/// <remarks>
/// <para><b>auto</b> picks KVM wherever <c>/dev/kvm</c> opens and accepts a VM, Unicorn elsewhere. That includes
/// hosts where KVM shadows the guest's page tables in software (the <c>kvm_pvm</c> module of nested clouds): there a
/// VM exit (a syscall, a first touch of a page) costs about 25–40 µs of CPU against about 2 µs per syscall on Unicorn,
/// but Unicorn runs the guest's own code 20–80 times slower than native, and typical runner work (shell loops and
/// pipelines, fork+exec, compute) has far more instructions than exits. Measured on such a host
/// (<c>BENCHMARKS.md</c>, "KVM exits under PVM (stop 22)", CPU seconds KVM against Unicorn): a 3000-line <c>echo</c>
/// loop in <c>sh</c> 0.09 against 0.47, <c>seq | sort | uniq | wc</c> 0.09 against 1.2, <c>ls | wc</c> over 799
/// directories 25 against 42, 50 × fork+exec 1.25 against 1.9, <c>md5sum</c> 0.45 against 2.7, <c>sort -n</c> 0.64
/// against 31. KVM loses only where nearly every few instructions are a syscall: <c>dd bs=1</c> (22.6 against 1.2)
/// and <c>find /usr</c> (12.9 against 7.9); <c>--cpu unicorn</c> selects Unicorn explicitly for such work.</para>
/// <para>An explicit <c>--cpu kvm</c> on a host where <c>/dev/kvm</c> is missing or refuses falls back to Unicorn
/// with a message saying why.</para>
/// </remarks>
public static class CpuBackendSelector
{
    /// <summary>Resolves <paramref name="requested"/> to <see cref="CpuBackend.Unicorn"/> or
    /// <see cref="CpuBackend.Kvm"/>.</summary>
    /// <param name="requested">What the command line asked for.</param>
    /// <param name="message">Why an explicit request could not be honoured, or null.</param>
    /// <returns>The backend to use.</returns>
    public static CpuBackend Resolve(CpuBackend requested, out string? message)
    {
        message = null;
        switch (requested)
        {
            case CpuBackend.Unicorn:
                return CpuBackend.Unicorn;
            case CpuBackend.Kvm:
                if (KvmVirtualMachine.IsAvailable(out string reason))
                {
                    return CpuBackend.Kvm;
                }

                message = "--cpu kvm: " + reason + " Using unicorn.";
                return CpuBackend.Unicorn;
            default:
                return KvmVirtualMachine.IsAvailable(out _) ? CpuBackend.Kvm : CpuBackend.Unicorn;
        }
    }

    /// <summary>The backend a next runner (fork or execve hand-off) runs on: the inherited choice, except that KVM
    /// falls back to Unicorn when <c>/dev/kvm</c> no longer opens here. A guest running as root that changes its
    /// user before <c>execve</c> (Go's <c>SysProcAttr.Credential</c>) changes the next runner's host credentials, and
    /// <c>/dev/kvm</c> is usually open to root and the kvm group only; the program must still run.</summary>
    /// <param name="inherited">The resolved choice from the hand-off state.</param>
    /// <returns>The backend to use.</returns>
    internal static CpuBackend ForNextRunner(CpuBackend inherited) =>
        inherited == CpuBackend.Kvm && !KvmVirtualMachine.IsAvailable(out _) ? CpuBackend.Unicorn : inherited;

    /// <summary>The command-line spelling of <paramref name="backend"/>.</summary>
    /// <param name="backend">The backend.</param>
    /// <returns><c>auto</c>, <c>unicorn</c> or <c>kvm</c>.</returns>
    public static string ToOptionValue(CpuBackend backend) => backend switch
    {
        CpuBackend.Unicorn => "unicorn",
        CpuBackend.Kvm => "kvm",
        _ => "auto",
    };

    /// <summary>Parses a command-line spelling (<c>auto</c>, <c>unicorn</c>, <c>kvm</c>).</summary>
    /// <param name="value">The value.</param>
    /// <param name="backend">The backend.</param>
    /// <returns>False for any other value.</returns>
    public static bool TryParse(string? value, out CpuBackend backend)
    {
        switch (value)
        {
            case "auto":
                backend = CpuBackend.Auto;
                return true;
            case "unicorn":
                backend = CpuBackend.Unicorn;
                return true;
            case "kvm":
                backend = CpuBackend.Kvm;
                return true;
            default:
                backend = CpuBackend.Auto;
                return false;
        }
    }
}
