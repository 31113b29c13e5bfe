using System;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>Trace output goes to the runner's own descriptor (issue 11 item 4): a guest that redirects or closes its
/// descriptor 2 does not receive or stop the trace, and <c>--strace-file</c> collects every process's lines.</summary>
public sealed class TraceOutputTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public void Guest_redirecting_its_stderr_does_not_capture_the_trace()
    {
        string directory = Directory.CreateTempSubdirectory("usermem-trace-").FullName;
        try
        {
            string guestErr = Path.Combine(directory, "guest-stderr");
            RawResult r = RawProcess.RunUnderRunner(["--strace", "/bin/busybox", "sh", "-c", "exec 2>\"$0\"; echo out; echo err >&2; exec 2>&-; echo after", guestErr], Limit);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("out\nafter\n", r.StdoutText);
            Assert.Equal("err\n", File.ReadAllText(guestErr));
            Assert.Contains("write(1, \"out\\n\", 4) = 4", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("\"err\\n\", 4) = 4", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("write(1, \"after\\n\", 6) = 6", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Strace_file_collects_the_lines_of_forked_and_execed_processes()
    {
        string directory = Directory.CreateTempSubdirectory("usermem-trace-").FullName;
        try
        {
            string traceFile = Path.Combine(directory, "trace-\u00ff.txt");
            RawResult r = RawProcess.RunUnderRunner(["--strace-file", traceFile, "/bin/busybox", "sh", "-c", "echo one; /bin/busybox echo two; echo three"], Limit);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("one\ntwo\nthree\n", r.StdoutText);
            Assert.DoesNotContain("write(", r.Stderr, StringComparison.Ordinal);
            string trace = File.ReadAllText(traceFile);
            Assert.Contains("write(1, \"one\\n\", 4) = 4", trace, StringComparison.Ordinal);
            Assert.Contains("] write(1, \"two\\n\", 4) = 4", trace, StringComparison.Ordinal); // the child's line, [pid N]
            Assert.Contains("execve(\"/bin/busybox\"", trace, StringComparison.Ordinal);
            Assert.Contains("write(1, \"three\\n\", 6) = 6", trace, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Unwritable_strace_file_is_a_clean_usage_error()
    {
        RawResult r = RawProcess.RunUnderRunner(["--strace-file", "/nonexistent-dir/x/trace", "/bin/busybox", "true"], Limit);
        Assert.Equal(2, r.ExitCode);
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
        Assert.Contains("usermem-run: /nonexistent-dir/x/trace:", r.Stderr, StringComparison.Ordinal);
    }
}
