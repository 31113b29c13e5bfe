using System.Linq;
using UserMemory.Linux.Tracing;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

public sealed class StraceTests
{
    [Fact]
    public void Strace_prints_strace_style_lines_on_stderr()
    {
        ProcessResult r = HostProcess.RunUnderRunner(["--strace", "/bin/busybox", "sh", "-c", "echo hello; cat /nonexistent-file-xyz; exit 3"]);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("hello\n", r.Stdout);
        Assert.Contains("write(1, \"hello\\n\", 6) = 6\n", r.Stderr, System.StringComparison.Ordinal);
        Assert.Contains("openat(AT_FDCWD, \"/nonexistent-file-xyz\", O_RDONLY) = -1 ENOENT (No such file or directory)\n", r.Stderr, System.StringComparison.Ordinal);
        Assert.Contains("exit_group(3) = ?\n", r.Stderr, System.StringComparison.Ordinal);
        Assert.Contains("+++ exited with 3 +++", r.Stderr, System.StringComparison.Ordinal);
    }

    [Fact]
    public void An_execve_is_traced_once_whether_it_works_or_fails()
    {
        // The first execve is replaced inside the runner (one line from the syscall's end); the failing one returns.
        ProcessResult r = HostProcess.RunUnderRunner(["--strace", "/bin/busybox", "sh", "-c", "exec /bin/busybox sh -c '/nonexistent-program-xyz; exit 4'"]);
        Assert.Equal(4, r.ExitCode);
        string[] lines = r.Stderr.Split('\n');
        Assert.Single(lines, l => l.StartsWith("execve(\"/bin/busybox\", [\"/bin/busybox\", \"sh\", \"-c\"", System.StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("execve(\"/nonexistent-program-xyz\"", System.StringComparison.Ordinal));
        Assert.Contains(") = 0", lines.Single(l => l.StartsWith("execve(\"/bin/busybox\"", System.StringComparison.Ordinal)), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_are_escaped_and_cut_at_32_characters()
    {
        Assert.Equal("\"a\\n\\t\\\"\\\\\\0\\177\"", SyscallTracer.Quote("a\n\t\"\\\0\x7f"u8.ToArray(), 0, false));
        Assert.Equal("\"" + new string('x', 32) + "\"...", SyscallTracer.Quote(System.Text.Encoding.ASCII.GetBytes(new string('x', 40)), 0, false));
        Assert.Equal("0x1234", SyscallTracer.Quote(null, 0x1234, false));
        Assert.Equal("NULL", SyscallTracer.Quote(null, 0, false));
    }

    [Fact]
    public void Results_and_flags_are_formatted_like_strace()
    {
        Assert.Equal("-1 EFAULT (Bad address)", SyscallTracer.FormatResult(1, -14));
        Assert.Equal("5", SyscallTracer.FormatResult(1, 5));
        Assert.Equal("0x7f000", SyscallTracer.FormatResult(9, 0x7f000));
        Assert.Equal("O_RDONLY", SyscallTracer.OpenFlags(0));
        Assert.Equal("O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC", SyscallTracer.OpenFlags(0x80241));
    }
}
