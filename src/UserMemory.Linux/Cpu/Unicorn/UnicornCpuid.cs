namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// What the guest's <c>cpuid</c> answers where Unicorn 2.0.1 is wrong. Unicorn's register reset hard-codes leaf 1's
/// EDX as <c>0x07088100</c> whatever the CPU model, which hides the x87 FPU and MMX although the emulator implements
/// both; glibc's dynamic linker then refuses every library marked "x86 ISA needed: x86-64-baseline" ("CPU ISA level is
/// lower than required"). Leaf 1 is answered here with Unicorn's own EAX, EBX and ECX and the EDX of its default
/// qemu64 model; every other leaf is Unicorn's.
/// </summary>
internal static class UnicornCpuid
{
    /// <summary>CPUID leaf 1: version and feature information.</summary>
    public const uint FeatureLeaf = 1;

    /// <summary>Leaf 1 EAX as Unicorn reports it (family 6, model 6, stepping 3: qemu64).</summary>
    private const uint Version = 0x0000_0663;

    /// <summary>Leaf 1 EBX as Unicorn reports it (CLFLUSH line size 8 quadwords, APIC id 0).</summary>
    private const uint Brand = 0x0000_0800;

    /// <summary>Leaf 1 ECX as Unicorn reports it (SSSE3, CX16, SSE4.1, SSE4.2, AES).</summary>
    private const uint FeaturesEcx = 0x0218_2200;

    /// <summary>Leaf 1 EDX of qemu64: FPU, DE, PSE, TSC, MSR, PAE, MCE, CX8, APIC, SEP, MTRR, PGE, MCA, CMOV, PAT,
    /// PSE36, CLFLUSH, MMX, FXSR, SSE, SSE2 (all implemented by the emulator).</summary>
    private const uint FeaturesEdx = 0x078B_FBFD;

    /// <summary>The answer for <paramref name="leaf"/>, when it differs from Unicorn's.</summary>
    /// <param name="leaf">EAX at the <c>cpuid</c>.</param>
    /// <param name="eax">The EAX to return.</param>
    /// <param name="ebx">The EBX to return.</param>
    /// <param name="ecx">The ECX to return.</param>
    /// <param name="edx">The EDX to return.</param>
    /// <returns>True when this leaf is answered here; false to let Unicorn execute the instruction.</returns>
    public static bool TryAnswer(uint leaf, out uint eax, out uint ebx, out uint ecx, out uint edx)
    {
        if (leaf != FeatureLeaf)
        {
            eax = ebx = ecx = edx = 0;
            return false;
        }

        (eax, ebx, ecx, edx) = (Version, Brand, FeaturesEcx, FeaturesEdx);
        return true;
    }
}
