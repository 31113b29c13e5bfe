using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Go (issue 14): static Go programs built during the test run (<c>CGO_ENABLED=0</c>) run under the runner as
/// natively: goroutines across threads, futexes, async preemption signals, timers, the garbage collector, os/exec of
/// a static child, also from several goroutines at once (tests/go/concurrency), and standard-library test binaries built with <c>go test -c</c>, run in
/// their package's source directory with <c>-test.short</c>.
/// </summary>
public sealed class GoTests
{
    /// <summary>The os package's tests fork and exec hundreds of children; under load on Unicorn they take minutes.</summary>
    private static readonly System.TimeSpan StandardLibraryLimit = System.TimeSpan.FromSeconds(600);

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
    public void Standard_library_tests_pass_as_natively(string package)
    {
        string binary = GoPrograms.TestBinary(package);
        string directory = GoPrograms.SourceDirectory(package);
        ProcessResult native = HostProcess.Run(binary, ["-test.short"], workingDirectory: directory);
        Assert.True(native.ExitCode == 0, "native run failed:\n" + native);
        ProcessResult emulated = HostProcess.RunUnderRunner([binary, "-test.short"], workingDirectory: directory, timeout: StandardLibraryLimit);
        Assert.True(emulated.ExitCode == 0, "run under usermem-run failed:\n" + emulated);
        Assert.EndsWith("PASS\n", emulated.Stdout, System.StringComparison.Ordinal);
    }
}
