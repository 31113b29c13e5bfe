using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Route netlink sockets: tests/probes/netlink_route.c. Go's <c>net.Interfaces</c> and C's <c>getifaddrs</c> read the
/// host's links and addresses through them, as natively; a request to change something answers EPERM whichever call
/// sends it (the runner may hold <c>CAP_NET_ADMIN</c>; the guest must not reach the host's network configuration).
/// </summary>
public sealed class NetlinkRouteTests
{
    [ProbeFact]
    public void Links_and_addresses_read_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("netlink_route"), ["read"]);

    [ProbeFact]
    public void A_change_is_refused_whichever_call_sends_it()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("netlink_route"), "change"], Differential.DefaultLimit);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "sendto_deladdr sent=1 ack_error=-1\nwrite_deladdr sent=1 ack_error=-1\nsendmsg_deladdr sent=1 ack_error=-1\ndone\n",
            r.StdoutText);
    }
}
