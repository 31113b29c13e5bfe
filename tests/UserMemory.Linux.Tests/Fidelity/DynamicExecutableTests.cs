using System;
using System.IO;
using System.Text;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), dynamic executables: host tools linked against glibc (<c>/bin/echo</c>, <c>/bin/dash</c>,
/// <c>/usr/bin/gzip</c>), a glibc probe built with plain gcc (tests/probes/fidelity_glibc.c), <c>#!</c> scripts, run
/// directly and through a static guest's execve (tests/probes/fidelity_exec.c). Output and exit status must match a
/// native run byte for byte.
/// </summary>
public sealed class DynamicExecutableTests
{
    private static readonly byte[] GzipInput = Encoding.ASCII.GetBytes(string.Concat(System.Linq.Enumerable.Repeat("usermem gzip probe line\n", 200)));

    [Theory]
    [InlineData("/bin/echo", "hi")]
    [InlineData("/bin/dash", "-c", "echo $((1+2)); printf '%s\\n' \"$0\"")]
    [InlineData("/bin/dash", "-c", "x=$(echo sub); echo \"$x\" | tr a-z A-Z; exit 3")]
    public void Host_tool_runs_as_natively(string program, params string[] arguments) =>
        Differential.AssertSameAsNative(program, arguments);

    [Fact]
    public void Gzip_compresses_byte_exact() =>
        Differential.AssertSameAsNative("/usr/bin/gzip", ["-c"], stdin: GzipInput);

    [ProbeFact]
    public void Glibc_dynamic_probe_runs_as_natively() =>
        Differential.AssertSameAsNative(Probes.GetGlibcDynamic("fidelity_glibc"), ["arg"]);

    [ProbeFact]
    public void Static_guest_execs_a_dynamic_tool() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_exec"), ["/bin/echo", "from", "execve"]);

    [ProbeFact]
    public void Static_guest_execs_dash_which_pipes_through_gzip() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_exec"), ["/bin/dash", "-c", "echo piped | /usr/bin/gzip -c | /usr/bin/gzip -dc"]);

    [Fact]
    public void Script_with_a_dynamic_interpreter_runs() =>
        WithScript("#!/bin/dash\necho script \"$#\" \"$1\"\nexit 4\n", script => Differential.AssertSameAsNative(script, ["first", "second"]));

    [ProbeFact]
    public void Script_with_a_static_interpreter_runs() =>
        WithScript("#!" + Probes.Get("hostile_env") + " child\n", script => Differential.AssertSameAsNative(script, ["one"]));

    private static void WithScript(string text, Action<string> test)
    {
        string directory = Directory.CreateTempSubdirectory("usermem-script-").FullName;
        try
        {
            string script = Path.Combine(directory, "probe.sh");
            File.WriteAllText(script, text);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            test(script);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
