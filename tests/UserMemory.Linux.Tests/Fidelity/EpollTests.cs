using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// epoll (issue 14; the Go runtime's netpoller needs it): tests/probes/epoll.c, built with musl and with glibc,
/// natively and under the runner, same bytes. Readiness and the 64-bit data passed through, level and edge
/// triggering, timeouts, a wait woken by another process's write, EINTR for a signal even under SA_RESTART,
/// epoll_pwait's temporary mask, and the errors (EINVAL, EBADF, EEXIST, ENOENT, EFAULT). Linux is the oracle.
/// </summary>
public sealed class EpollTests
{
    [ProbeFact]
    public void Musl_epoll_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("epoll"), []);

    [ProbeFact]
    public void Glibc_epoll_behaves_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("epoll"), []);
}
