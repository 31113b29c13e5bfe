using System;
using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>A temporary directory with fixed files (fixed contents and times) that the differential tests run in, so
/// that <c>ls -la</c>, <c>find</c> and friends print the same thing natively and under the runner.</summary>
public sealed class BusyboxFixture : IDisposable
{
    /// <summary>Creates the directory tree.</summary>
    public BusyboxFixture()
    {
        Parent = Directory.CreateTempSubdirectory("usermem-diff-").FullName;
        WorkDir = Path.Combine(Parent, "work");
        Directory.CreateDirectory(Path.Combine(WorkDir, "sub", "deeper"));
        File.WriteAllText(Path.Combine(WorkDir, "data.txt"), "banana\napple\ncherry\nbanana\ndate\n");
        File.WriteAllText(Path.Combine(WorkDir, "nums.txt"), "10\n3\n25\n7\n");
        File.WriteAllText(Path.Combine(WorkDir, "sub", "inner.txt"), "inner file\n");
        File.WriteAllText(Path.Combine(WorkDir, "sub", "deeper", "x.txt"), "x\n");
        File.WriteAllBytes(Path.Combine(WorkDir, "binary.bin"), [0, 1, 2, 0x7f, 0x80, 0xff, (byte)'A', (byte)'\n']);
        var when = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        foreach (string f in Directory.GetFileSystemEntries(WorkDir, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, when);
        }

        Directory.SetLastWriteTimeUtc(Path.Combine(WorkDir, "sub"), when);
        Directory.SetLastWriteTimeUtc(WorkDir, when);
        Directory.SetLastWriteTimeUtc(Parent, when);
    }

    /// <summary>The directory above <see cref="WorkDir"/> (its ".." in listings).</summary>
    public string Parent { get; }

    /// <summary>Where commands run.</summary>
    public string WorkDir { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Parent, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
