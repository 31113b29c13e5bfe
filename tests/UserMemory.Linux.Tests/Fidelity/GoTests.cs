using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Go (issue 14): static Go programs built during the test run (<c>CGO_ENABLED=0</c>) run under the runner as
/// natively: goroutines across threads, futexes, async preemption signals, timers, the garbage collector, os/exec of
/// a static child, also from several goroutines at once (tests/go/concurrency), and standard-library test binaries built with <c>go test -c</c>, run in
/// their package's source directory with <c>-test.short</c>: several dozen packages, those whose tests are mostly
/// computation on the KVM backend only (the emulated CPU takes a minute or more for each).
/// </summary>
public sealed class GoTests
{
    /// <summary>The os package's tests fork and exec hundreds of children; under load on Unicorn they take minutes.</summary>
    private static readonly System.TimeSpan StandardLibraryLimit = System.TimeSpan.FromSeconds(600);

    /// <summary>Sets variables before running a program (<c>env NAME=VALUE... PROGRAM</c>).</summary>
    private const string Environment = "/usr/bin/env";

    [GoTheory]
    [InlineData("concurrency")]
    public void Go_program_behaves_as_natively(string name) =>
        Differential.AssertSameAsNative(GoPrograms.Program(name), [], System.TimeSpan.FromSeconds(240));

    [GoTheory]
    [InlineData("strings")]
    [InlineData("sort")]
    [InlineData("container/list")]
    [InlineData("errors")]
    [InlineData("context")]
    [InlineData("unicode/utf8")]
    [InlineData("sync")]
    [InlineData("os")]
    [InlineData("os/exec")]
    [InlineData("net")]
    [InlineData("syscall")]
    [InlineData("bufio")]
    [InlineData("bytes")]
    [InlineData("fmt")]
    [InlineData("io")]
    [InlineData("io/fs")]
    [InlineData("io/ioutil")]
    [InlineData("os/signal")]
    [InlineData("os/user")]
    [InlineData("path/filepath")]
    [InlineData("strconv")]
    [InlineData("encoding/json")]
    [InlineData("encoding/binary")]
    [InlineData("regexp")]
    [InlineData("math")]
    [InlineData("archive/tar")]
    [InlineData("archive/zip")]
    [InlineData("crypto/sha256")]
    [InlineData("crypto/rand")]
    [InlineData("hash/crc32")]
    [InlineData("sync/atomic")]
    [InlineData("runtime/debug")]
    [InlineData("text/template")]
    [InlineData("net/url")]
    [InlineData("internal/poll")]
    [InlineData("log")]
    [InlineData("embed")]
    [InlineData("testing")]
    [InlineData("log/syslog")]
    [InlineData("net/rpc")]
    [InlineData("net/textproto")]
    [InlineData("net/netip")]
    [InlineData("net/http/httptest")]
    [InlineData("net/http/httputil")]
    [InlineData("net/http/pprof")]
    [InlineData("net/mail")]
    [InlineData("net/smtp")]
    [InlineData("database/sql")]
    [InlineData("debug/elf")]
    [InlineData("expvar")]
    [InlineData("flag")]
    [InlineData("math/rand")]
    [InlineData("mime")]
    [InlineData("encoding/gob")]
    [InlineData("encoding/xml")]
    [InlineData("encoding/csv")]
    [InlineData("encoding/base64")]
    [InlineData("encoding/hex")]
    [InlineData("html/template")]
    [InlineData("image/png")]
    [InlineData("go/parser")]
    [InlineData("reflect")]
    [InlineData("compress/zlib")]
    [InlineData("compress/bzip2")]
    [InlineData("crypto/ecdsa")]
    [InlineData("crypto/rsa")]
    [InlineData("crypto/aes")]
    [InlineData("hash/maphash")]
    [InlineData("internal/fuzz")]
    [InlineData("path")]
    [InlineData("unicode")]
    [InlineData("text/tabwriter")]
    [InlineData("index/suffixarray")]
    [InlineData("os/exec/internal/fdtest")]
    [InlineData("runtime/metrics")]
    public void Standard_library_tests_pass_as_natively(string package) => AssertPasses(package, []);

    /// <summary>Packages whose tests take under a minute on KVM but half a minute to several minutes each on Unicorn (mostly
    /// computation; runtime/pprof and runtime/trace spin until enough profiling signals or trace events arrive).
    /// Tests that fail natively here for reasons outside the runner are left out by name (see
    /// <see cref="AssertPasses"/>): net/http's TestCmdGoNoHTTPServer runs <c>go tool nm</c> on Debian's stripped
    /// <c>go</c> binary.</summary>
    /// <param name="package">The import path.</param>
    /// <param name="excluded">Test names left out, comma-separated (empty for none).</param>
    [GoKvmTheory]
    [InlineData("math/big", "")]
    [InlineData("compress/gzip", "")]
    [InlineData("compress/flate", "")]
    [InlineData("mime/multipart", "")]
    [InlineData("crypto/x509", "")]
    [InlineData("runtime/trace", "")]
    [InlineData("runtime/pprof", "")]
    [InlineData("net/http/cgi", "")]
    [InlineData("net/http", "TestCmdGoNoHTTPServer")]
    public void Compute_heavy_standard_library_tests_pass_as_natively(string package, string excluded) =>
        AssertPasses(package, excluded.Length == 0 ? [] : excluded.Split(','));

    /// <summary>The time package's tests (timers, tickers, sleeps, zone files), in a GOROOT-shaped copy of their
    /// directory that has <c>lib/time/zoneinfo.zip</c> (<see cref="GoPrograms.TimeTestGoroot"/>).
    /// TestLoadLocationFromTZData is left out: it fails natively here (LoadLocation, with the system's sources
    /// disabled, and the GOROOT zip disagree).</summary>
    [GoTheory]
    [InlineData("time", "TestLoadLocationFromTZData")]
    public void Time_package_tests_pass_as_natively(string package, string excluded) =>
        AssertPasses(package, excluded.Split(','), GoPrograms.TimeTestGoroot);

    /// <summary>Runs <paramref name="package"/>'s test binary natively and under the runner, in the package's source
    /// directory with <c>-test.short</c>, and requires both to pass.</summary>
    /// <param name="package">The import path.</param>
    /// <param name="excluded">Top-level tests to leave out: the rest are named in <c>-test.run</c> (Go 1.19 has no
    /// <c>-test.skip</c>), from the binary's own <c>-test.list</c>.</param>
    /// <param name="goroot">A GOROOT to run in (its <c>src/PACKAGE</c>, with <c>GOROOT</c> set), or null for the
    /// toolchain's.</param>
    private static void AssertPasses(string package, string[] excluded, string? goroot = null)
    {
        string binary = GoPrograms.TestBinary(package);
        string directory = goroot is null ? GoPrograms.SourceDirectory(package) : System.IO.Path.Combine(goroot, "src", package);
        string[] environment = goroot is null ? [] : ["GOROOT=" + goroot];
        string[] arguments = ["-test.short", .. RunPattern(binary, directory, excluded)];
        ProcessResult native = HostProcess.Run(Environment, [.. environment, binary, .. arguments], workingDirectory: directory);
        Assert.True(native.ExitCode == 0, "native run failed:\n" + native);
        ProcessResult emulated = HostProcess.Run(
            Environment, [.. environment, Repository.Runner, .. Repository.RunnerCpuArguments, binary, .. arguments], workingDirectory: directory, timeout: StandardLibraryLimit);
        Assert.True(emulated.ExitCode == 0, "run under usermem-run failed:\n" + emulated);
        Assert.EndsWith("PASS\n", emulated.Stdout, System.StringComparison.Ordinal);
    }

    private static string[] RunPattern(string binary, string directory, string[] excluded)
    {
        if (excluded.Length == 0)
        {
            return [];
        }

        ProcessResult list = HostProcess.Run(binary, ["-test.list", "."], workingDirectory: directory);
        Assert.True(list.ExitCode == 0, "-test.list failed:\n" + list);
        string[] names = list.Stdout.Split('\n', System.StringSplitOptions.RemoveEmptyEntries | System.StringSplitOptions.TrimEntries);
        foreach (string name in excluded)
        {
            Assert.Contains(name, names);
        }

        return ["-test.run", "^(" + string.Join('|', System.Linq.Enumerable.Except(names, excluded)) + ")$"];
    }
}
