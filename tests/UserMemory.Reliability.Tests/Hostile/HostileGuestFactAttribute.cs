using System.IO;

namespace UserMemory.Reliability.Tests.Hostile;

/// <summary>A fact that is skipped (with the reason) when musl-gcc or the runner is not available.</summary>
public sealed class HostileGuestFactAttribute : FactAttribute
{
    /// <summary>Decides whether to skip.</summary>
    public HostileGuestFactAttribute()
    {
        if (!File.Exists(StormProbe.Compiler))
        {
            Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
        }
        else if (StormProbe.RunnerPath is null)
        {
            Skip = "the runner (src/UserMemory.Runner, usermem-run) is not built or not in this tree";
        }
    }
}
