using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), the command name (<c>comm</c>): <c>prctl(PR_SET_NAME/PR_GET_NAME)</c>, <c>/proc/self/comm</c>
/// and <c>stat</c>, inheritance by a fork child and the name another process reads from <c>/proc/PID/comm</c>
/// (tests/probes/fidelity_comm.c); the name an <c>execve</c> gives through a symbolic link and to a <c>#!</c> script is
/// in <see cref="BusyboxDifferentialTests"/> (comm_*). Linux is the oracle.
/// </summary>
public sealed class CommandNameTests
{
    [ProbeFact]
    public void Prctl_name_proc_comm_and_fork_inheritance_match_linux() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_comm"), []);
}
