using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// execve of <c>#!</c> scripts: tests/probes/script_exec.c. The line is parsed as Linux's <c>binfmt_script</c> does
/// (optional argument with inner blanks, trailing blanks dropped, a NUL ending the name, no newline in the first 256
/// bytes: the argument truncated, or ENOEXEC when the name itself may be), a script's interpreter may be a script (five
/// levels run, a sixth is ELOOP, as is a script naming itself), and an empty or blank line is ENOEXEC. Linux is the
/// oracle.
/// </summary>
public sealed class ScriptExecTests
{
    [ProbeFact]
    public void Scripts_execute_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("script_exec"), []);
}
