using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Signals;

/// <summary>
/// A process-directed signal blocked by every thread, sent by one thread while the main thread waits for it in
/// sigwait, sigtimedwait or a blocking signalfd read (tests/probes/sigwait_thread.c): the waiter takes it. The runner
/// once queued such a signal without waking anyone, so the wait never ended (CPython's test_sigwait_thread hung).
/// Linux is the oracle.
/// </summary>
public sealed class SigwaitThreadTests
{
    [ProbeFact]
    public void A_blocked_signal_from_another_thread_ends_the_wait_for_it() =>
        Differential.AssertSameAsNative(Probes.Get("sigwait_thread"), []);
}
