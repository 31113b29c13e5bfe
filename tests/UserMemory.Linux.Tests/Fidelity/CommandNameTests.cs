using System;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), the command name (<c>comm</c>) and <c>AT_EXECFN</c>: <c>prctl(PR_SET_NAME/PR_GET_NAME)</c>,
/// <c>/proc/self/comm</c> and <c>stat</c>, inheritance by a fork child and the name another process reads from
/// <c>/proc/PID/comm</c> (tests/probes/fidelity_comm.c); both come from the path <c>execve</c> was given: a link's path,
/// not its target's, a script's, not its interpreter's (also <see cref="BusyboxDifferentialTests"/> comm_*). Linux is
/// the oracle.
/// </summary>
public sealed class CommandNameTests
{
    [ProbeFact]
    public void Prctl_name_proc_comm_and_fork_inheritance_match_linux() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_comm"), []);

    [ProbeFact]
    public void Execfn_and_comm_of_a_link_and_a_script_match_linux()
    {
        string probe = Probes.Get("fidelity_comm");
        string directory = Directory.CreateTempSubdirectory("usermem-execfn-").FullName;
        try
        {
            string link = Path.Combine(directory, "linked-name");
            File.CreateSymbolicLink(link, probe);
            string script = Path.Combine(directory, "script-name");
            File.WriteAllText(script, "#!" + probe + " execfn\n");
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Differential.AssertSameAsNative(link, ["execfn"]);
            Differential.AssertSameAsNative(script, []);
            Differential.AssertSameAsNative(Probes.Get("fidelity_exec"), [link, "execfn"]);
            Differential.AssertSameAsNative(Probes.Get("fidelity_exec"), [script]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
