using System;
using System.Collections.Concurrent;
using System.IO;

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

    private static void Go(string workingDirectory, string[] arguments)
    {
        ProcessResult r = HostProcess.Run("/usr/bin/env", ["CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOCACHE=" + Cache, "HOME=" + Path.GetTempPath(), Toolchain, .. arguments], workingDirectory: workingDirectory);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("go " + string.Join(' ', arguments) + " failed:\n" + r);
        }
    }
}
