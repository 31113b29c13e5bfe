using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Network-interface ioctls on sockets: tests/probes/interface_ioctls.c. <c>if_nametoindex</c>, <c>if_indextoname</c>
/// and the <c>SIOCGIF*</c> queries read the host's interfaces as natively (loopback's flags, address, netmask, MTU,
/// index and name), <c>SIOCGIFCONF</c> answers its size for a NULL buffer and whole records otherwise (a buffer too
/// small, empty or negative, in a hole, or on a pipe as Linux answers them), a change naming a missing interface answers
/// ENODEV or EPERM as Linux orders its checks (Go's net tests skip on ENODEV for a missing <c>gre0</c> tunnel device),
/// and every request that would change the host's network answers EPERM (the runner may run as root; the guest must
/// not reach the host's configuration).
/// </summary>
public sealed class InterfaceIoctlTests
{
    [ProbeFact]
    public void Interface_queries_read_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("interface_ioctls"), ["read"]);

    [ProbeFact]
    public void Every_network_change_is_refused()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("interface_ioctls"), "change"], Differential.DefaultLimit);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "set_mtu ret=-1 errno=1\nset_flags ret=-1 errno=1\nset_address ret=-1 errno=1\ndelete_route ret=-1 errno=1\n"
            + "net_namespace ret=-1 errno=1\ndevice_private ret=-1 errno=1\ndone\n",
            r.StdoutText);
    }
}
