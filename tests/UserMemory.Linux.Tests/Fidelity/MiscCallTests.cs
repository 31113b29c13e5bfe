using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), calls that once answered ENOSYS: tests/probes/fidelity_misc2.c, one mode per topic
/// (memfd_create and seals, the utimes family, personality, sendmmsg/recvmmsg, splice/tee/vmsplice, pidfds,
/// process_vm_readv/writev, inotify), each with hostile inputs (NULL and unmapped pointers, bad flags, bad
/// descriptors, huge counts). Linux is the oracle.
/// </summary>
public sealed class MiscCallTests
{
    [ProbeTheory]
    [InlineData("memfd")]
    [InlineData("utimes")]
    [InlineData("personality")]
    [InlineData("mmsg")]
    [InlineData("splice")]
    [InlineData("process_vm")]
    [InlineData("pidfd")]
    [InlineData("inotify")]
    [InlineData("recv_fault")]
    public void Call_answers_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_misc2"), [mode]);
}
