using System.IO;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>What the host's KVM module is, as far as the backend's choices depend on it.</summary>
internal static class KvmHostFacts
{
    private const string PvmModule = "/sys/module/kvm_pvm";
    private const string IntelEpt = "/sys/module/kvm_intel/parameters/ept";
    private const string AmdNestedPaging = "/sys/module/kvm_amd/parameters/npt";

    /// <summary>True when guest page tables are shadowed in software: the PVM module (a KVM for nested clouds
    /// without hardware virtualization) or hardware KVM with EPT/NPT turned off.</summary>
    /// <returns>Whether KVM shadows guest page tables.</returns>
    public static bool UsesShadowPaging() =>
        Directory.Exists(PvmModule) || IsOff(IntelEpt) || IsOff(AmdNestedPaging);

    private static bool IsOff(string parameter)
    {
        try
        {
            string value = File.Exists(parameter) ? File.ReadAllText(parameter).Trim() : string.Empty;
            return value is "N" or "0";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
