using System;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Optional confinement (issue 10, item 4): with <c>--root DIR</c> every guest path resolves inside DIR (<c>..</c>,
/// absolute and relative symlinks pointing out, <c>/proc/self/root</c>, a working directory outside DIR), and with
/// <c>--read-only</c> every change answers EROFS. A busybox copied into DIR is the guest.
/// </summary>
public sealed class ConfinementTests : IDisposable
{
    private const string Busybox = "/bin/busybox";
    private readonly string _root;
    private readonly string _outside;

    /// <summary>Builds DIR: bin/busybox, etc/hello, tmp/, and links that point out of it.</summary>
    public ConfinementTests()
    {
        _root = Directory.CreateTempSubdirectory("usermem-root-").FullName;
        _outside = Directory.CreateTempSubdirectory("usermem-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "secret"), "SECRET\n");
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        File.Copy(Busybox, Path.Combine(_root, "bin", "busybox"));
        File.WriteAllText(Path.Combine(_root, "etc", "hello"), "inside\n");
        File.CreateSymbolicLink(Path.Combine(_root, "abs"), Path.Combine(_outside, "secret"));
        File.CreateSymbolicLink(Path.Combine(_root, "rel"), "../../../../../../../../" + _outside.TrimStart('/') + "/secret");
        File.CreateSymbolicLink(Path.Combine(_root, "outdir"), _outside);
    }

    [Fact]
    public void Paths_cannot_leave_the_root()
    {
        string outsideSecret = _outside + "/secret";
        ProcessResult r = Run(["--root", _root],
            "b=/bin/busybox; $b cat /etc/hello; cd /../../..; $b pwd; " +
            $"$b cat /abs; $b cat /rel; $b cat /outdir/secret; $b cat {outsideSecret}; $b cat /../..{outsideSecret}; " +
            $"$b cat /proc/self/root{outsideSecret}; $b ls /proc/self/cwd/; $b readlink /proc/self/exe; " +
            "$b ln -s /etc/hello /tmp/ok && $b cat /tmp/ok; $b mkdir /tmp/d && cd /tmp/d && $b pwd && cd .. && $b ls /tmp");
        Assert.DoesNotContain("SECRET", r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.Equal("inside\n/\nabs\nbin\netc\noutdir\nrel\ntmp\n/bin/busybox\ninside\n/tmp/d\nd\nok\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(Path.Combine(_root, "tmp", "ok")));
    }

    [Fact]
    public void Read_only_refuses_every_change()
    {
        ProcessResult r = Run(["--root", _root, "--read-only"],
            "b=/bin/busybox; $b cat /etc/hello; echo x > /tmp/new; $b touch /etc/hello; $b rm /etc/hello; $b mkdir /d; " +
            "$b mv /etc/hello /etc/h2; $b ln -s a /s; $b ln /etc/hello /h; $b chmod 777 /etc/hello; $b truncate -s 0 /etc/hello; " +
            "$b rmdir /tmp; echo done");
        Assert.Equal("inside\ndone\n", r.Stdout);
        Assert.Equal(10, CountOccurrences(r.Stderr, "Read-only file system"));
        Assert.Equal("inside\n", File.ReadAllText(Path.Combine(_root, "etc", "hello")));
        Assert.Equal(["abs", "bin", "etc", "outdir", "rel", "tmp"], Array.ConvertAll(Directory.GetFileSystemEntries(_root), e => Path.GetFileName(e)).AsSorted());
    }

    [Fact]
    public void A_missing_root_is_a_usage_error()
    {
        ProcessResult r = HostProcess.RunUnderRunner(["--root", _root + "/missing", "/bin/busybox", "true"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a directory", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private static int CountOccurrences(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private ProcessResult Run(string[] options, string script) =>
        HostProcess.RunUnderRunner([.. options, "/bin/busybox", "sh", "-c", script], workingDirectory: _outside);
}

/// <summary>Sorting helper for the assertions.</summary>
internal static class SortExtensions
{
    /// <summary>The array sorted ordinally.</summary>
    /// <param name="items">The items.</param>
    /// <returns>The same array, sorted.</returns>
    public static string[] AsSorted(this string[] items)
    {
        Array.Sort(items, StringComparer.Ordinal);
        return items;
    }
}
