using System;
using System.Collections.Concurrent;
using System.IO;
using System.IO.Compression;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Builds static Go programs (tests/go/NAME) and standard-library test binaries (<c>go test -c</c>) with the
/// system's Go toolchain (<c>CGO_ENABLED=0</c>), once per test run.</summary>
internal static class GoPrograms
{
    /// <summary>The Go toolchain (Debian package golang-go).</summary>
    public const string Toolchain = "/usr/bin/go";

    private static readonly string OutputDir = Directory.CreateTempSubdirectory("usermem-go-").FullName;
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "usermem-gocache");
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new();

    /// <summary>The built program of tests/go/<paramref name="name"/>.</summary>
    /// <param name="name">The directory's name.</param>
    /// <returns>The executable.</returns>
    public static string Program(string name) =>
        Built.GetOrAdd("program:" + name, _ => new Lazy<string>(() =>
        {
            string output = Path.Combine(OutputDir, name);
            Go(Path.Combine(Repository.Root, "tests", "go", name), ["build", "-o", output, "."]);
            return output;
        })).Value;

    /// <summary>The test binary of standard-library package <paramref name="package"/> (<c>go test -c</c>).</summary>
    /// <param name="package">The import path, e.g. <c>strings</c>.</param>
    /// <returns>The executable.</returns>
    public static string TestBinary(string package) =>
        Built.GetOrAdd("test:" + package, _ => new Lazy<string>(() =>
        {
            string output = Path.Combine(OutputDir, package.Replace('/', '_') + ".test");
            Go(OutputDir, ["test", "-c", "-o", output, package]);
            return output;
        })).Value;

    /// <summary>The source directory of a standard-library package (its tests read testdata relative to it).</summary>
    /// <param name="package">The import path.</param>
    /// <returns>The directory.</returns>
    public static string SourceDirectory(string package) => Path.Combine(Root.Value, "src", package);

    private static readonly Lazy<string> Root = new(() => HostProcess.Run(Toolchain, ["env", "GOROOT"]).Stdout.Trim());

    /// <summary>The system's time zone database (Debian package tzdata).</summary>
    private const string SystemZoneInfo = "/usr/share/zoneinfo";

    /// <summary>A GOROOT-shaped directory for the time package's tests, which read <c>lib/time/zoneinfo.zip</c> of
    /// their GOROOT (relative to their source directory, and through <c>GOROOT</c>): Debian's golang-go does not ship
    /// that file, so this directory holds a copy of <c>src/time</c> and a zoneinfo.zip made from
    /// <c>/usr/share/zoneinfo</c> (entries stored, as Go's reader requires). Run the tests in <c>src/time</c> below
    /// it with <c>GOROOT</c> set to it.</summary>
    public static string TimeTestGoroot => TimeGoroot.Value;

    private static readonly Lazy<string> TimeGoroot = new(() =>
    {
        string goroot = Path.Combine(OutputDir, "goroot");
        CopyDirectory(SourceDirectory("time"), Path.Combine(goroot, "src", "time"));
        string lib = Directory.CreateDirectory(Path.Combine(goroot, "lib", "time")).FullName;
        using (ZipArchive zip = ZipFile.Open(Path.Combine(lib, "zoneinfo.zip"), ZipArchiveMode.Create))
        {
            foreach (string file in Directory.EnumerateFiles(SystemZoneInfo, "*", SearchOption.AllDirectories))
            {
                ZipArchiveEntry entry = zip.CreateEntry(Path.GetRelativePath(SystemZoneInfo, file), CompressionLevel.NoCompression);
                using Stream to = entry.Open();
                using FileStream from = File.OpenRead(file);
                from.CopyTo(to);
            }
        }

        return goroot;
    });

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>How long one <c>go build</c> or <c>go test -c</c> may take: a cold cache compiles the standard library
    /// the package needs, and under memory pressure on a shared machine that took more than the default two minutes.</summary>
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(10);

    private static void Go(string workingDirectory, string[] arguments)
    {
        ProcessResult r = HostProcess.Run("/usr/bin/env", ["CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOCACHE=" + Cache, "HOME=" + Path.GetTempPath(), Toolchain, .. arguments], workingDirectory: workingDirectory, timeout: BuildLimit);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("go " + string.Join(' ', arguments) + " failed:\n" + r);
        }
    }
}
