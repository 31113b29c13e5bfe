using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// A root process that drops to another user and executes a program: tests/probes/exec_as_other_user.c. The next
/// runner takes the new host credentials; where they can no longer open <c>/dev/kvm</c> it continues on Unicorn
/// (Go's syscall TestDeathSignal aborted the runner under <c>--cpu kvm</c>). Linux is the oracle.
/// </summary>
public sealed class ExecAsOtherUserTests
{
    [ProbeFact]
    public void A_program_executed_after_dropping_to_another_user_runs() =>
        Differential.AssertSameAsNative(Probes.Get("exec_as_other_user"), ["drop"]);
}
