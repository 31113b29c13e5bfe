using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A fact over the C probes; skipped, with the reason, when <c>musl-gcc</c> is not installed.</summary>
public sealed class ProbeFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the compiler is missing (an explicit Skip wins).</summary>
    public ProbeFactAttribute()
    {
        if (!File.Exists(Probes.Compiler))
        {
            Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
        }
    }
}
