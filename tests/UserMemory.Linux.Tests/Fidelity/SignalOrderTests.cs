using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// A signal sent before the event that ends a wait is handled before the waiting call returns to the program
/// (tests/probes/signal_before_eof.c): a child blocked in <c>read</c>, or about to read, gets SIGUSR1 and then the end
/// of file. The runner forwards host signals through a thread that reads a signalfd, and a read could return the end
/// of file while that thread held the signal: CPython's test_file_eintr child then reset SIGINT to the default and
/// died of the signal sent before. Linux is the oracle (every round sees the signal first).
/// </summary>
public sealed class SignalOrderTests
{
    [ProbeTheory]
    [InlineData("interrupt")]
    [InlineData("restart")]
    public void A_signal_sent_before_the_end_of_file_is_handled_first(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("signal_before_eof"), [mode]);
}
