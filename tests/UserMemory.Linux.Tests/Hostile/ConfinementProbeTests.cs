using System;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, confinement attacks beyond a shell's reach: tests/probes/hostile_root.c, run with
/// <c>--root DIR</c>, tries every path trick a program has (/proc/self/{root,cwd,fd} and /proc/&lt;pid&gt;/root,
/// /dev/fd directories, openat2 RESOLVE flags, O_PATH and AT_EMPTY_PATH, a working directory moved under it, symlink
/// and directory swaps raced by a thread, execve outside) to read a secret outside DIR; with <c>--read-only</c> it tries
/// every way to change a file through descriptors (fchmod, futimens, reopen through /proc/self/fd, linkat, shared
/// writable mappings, splice, copy_file_range, sendfile, xattrs, renameat2, mknod, O_TMPFILE, bind).
/// </summary>
public sealed class ConfinementProbeTests : IDisposable
{
    private readonly string _root;
    private readonly string _outside;

    /// <summary>Builds DIR with the probe, etc/hello and tmp/, and a secret outside it.</summary>
    public ConfinementProbeTests()
    {
        _root = Directory.CreateTempSubdirectory("usermem-root-").FullName;
        _outside = Directory.CreateTempSubdirectory("usermem-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "secret"), "SECRET\n");
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        File.WriteAllText(Path.Combine(_root, "etc", "hello"), "inside\n");
        File.Copy(Probes.Get("hostile_root"), Path.Combine(_root, "probe"));
    }

    [ProbeFact]
    public void No_path_trick_reads_outside_the_root()
    {
        RawResult r = RawProcess.RunUnderRunner(
            ["--root", _root, "/probe", "escape", Path.Combine(_outside, "secret")], Differential.DefaultLimit, workingDirectory: _outside);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("LEAK", r.StdoutText, StringComparison.Ordinal);
        Assert.Contains("escape done leaks=0", r.StdoutText, StringComparison.Ordinal);
    }

    [ProbeFact]
    public void No_descriptor_trick_changes_a_read_only_root()
    {
        DateTime before = File.GetLastWriteTimeUtc(Path.Combine(_root, "etc", "hello"));
        RawResult r = RawProcess.RunUnderRunner(["--root", _root, "--read-only", "/probe", "write"], Differential.DefaultLimit);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("hello now: inside\nwrite done changes=0\n", r.StdoutText);
        Assert.Equal("inside\n", File.ReadAllText(Path.Combine(_root, "etc", "hello")));
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(_root, "etc", "hello")));
        Assert.Equal(["hello"], Array.ConvertAll(Directory.GetFileSystemEntries(Path.Combine(_root, "etc")), e => Path.GetFileName(e)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
