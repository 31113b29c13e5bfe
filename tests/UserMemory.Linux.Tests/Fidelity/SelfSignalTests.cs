using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), signals a process sends itself: tests/probes/fidelity_signals_self.c. A blocked signal stays
/// pending (thread-directed and process-directed separately) and is delivered on unblock; tgkill checks its thread
/// group; sigaltstack validates its arguments and handlers with SA_ONSTACK run on the alternate stack; SA_SIGINFO
/// handlers see Linux's si_code/si_pid/si_value; real-time signals queue; the handler's mask, SA_NODEFER and
/// SA_RESETHAND; rt_sigtimedwait; ppoll's temporary mask; a pending signal survives execve. Linux is the oracle.
/// </summary>
public sealed class SelfSignalTests
{
    [ProbeTheory]
    [InlineData("blocked_raise")]
    [InlineData("tgkill_tgid")]
    [InlineData("sigaltstack")]
    [InlineData("siginfo")]
    [InlineData("rt_queue")]
    [InlineData("handler_mask")]
    [InlineData("sigtimedwait")]
    [InlineData("ppoll_mask")]
    [InlineData("exec_pending")]
    public void Self_signal_behaves_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_signals_self"), [mode]);
}
