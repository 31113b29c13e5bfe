using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// Process state across fork and execve, and the process/limit syscalls' answers (tests/probes/process_state.c):
/// guest resource limits are inherited by a fork child and survive execve (they travel in the hand-off state), waitid
/// writes only the siginfo fields Linux writes, and syscall numbers are taken as an int. Linux is the oracle.
/// </summary>
public sealed class ProcessStateTests
{
    [ProbeTheory]
    [InlineData("limits")]
    [InlineData("waitid")]
    [InlineData("numbers")]
    public void Process_state_and_answers_match_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("process_state"), [mode]);
}
