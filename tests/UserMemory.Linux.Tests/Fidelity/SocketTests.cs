using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Sockets: tests/probes/sockets.c. Host sockets behind guest descriptors: AF_UNIX pairs with SCM_RIGHTS translated
/// both ways, TCP and UDP on loopback across a fork, and hostile addresses, lengths and buffers answered in Linux's
/// order. Linux is the oracle.
/// </summary>
public sealed class SocketTests
{
    [ProbeTheory]
    [InlineData("unix")]
    [InlineData("inet")]
    [InlineData("hostile")]
    public void Socket_calls_answer_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("sockets"), [mode]);
}
