using System;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), syscalls real programs reach that the host answers for the guest:
/// tests/probes/host_descriptors.c, built with musl and with glibc, natively and under the runner, same bytes.
/// eventfd (values, semaphore mode, non-blocking, a blocking read woken by a fork child), timerfd (arming, absolute
/// expiry, epoll, a blocking read, the errors), the scheduler calls (affinity, policy, priorities, getcpu, with
/// ESRCH for pids outside the sandbox and EFAULT for bad pointers), sync/syncfs, fadvise64, readahead, fallocate and
/// mknod. Linux is the oracle.
/// </summary>
public sealed class HostDescriptorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [ProbeFact]
    public void Musl_host_descriptor_calls_behave_as_on_Linux() => Differential.AssertSameAsNative(Probes.Get("host_descriptors"), [], Limit);

    [ProbeFact]
    public void Glibc_host_descriptor_calls_behave_as_on_Linux() => Differential.AssertSameAsNative(Probes.GetGlibcStatic("host_descriptors"), [], Limit);
}
