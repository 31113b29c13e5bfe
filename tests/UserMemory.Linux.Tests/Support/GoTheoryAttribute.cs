using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A theory over Go programs: skipped, with the reason, when the Go toolchain is missing.</summary>
public sealed class GoTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <c>go</c> is missing.</summary>
    public GoTheoryAttribute()
    {
        if (!File.Exists(GoPrograms.Toolchain))
        {
            Skip = "the Go toolchain is missing (Debian package golang-go; scripts/install-deps.sh installs it)";
        }
    }
}
