using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, crash arithmetic (issue 10): tests/probes/hostile_arith.c passes sizes, counts, offsets, descriptor
/// and signal numbers at the edges of their types to about 120 system calls, one group at a time. The runner must
/// survive every group, and (Linux as the oracle) answer each call as the kernel does.
/// </summary>
public sealed class CrashArithmeticTests
{
    [ProbeTheory]
    [InlineData("groups")]
    [InlineData("io", Skip = "issue 10: read of /dev/zero with count SIZE_MAX kills the guest with SIGSEGV (Linux: EFAULT)")]
    [InlineData("vectors")]
    [InlineData("memory")]
    [InlineData("polling")]
    [InlineData("signals")]
    [InlineData("limits")]
    [InlineData("descriptors")]
    [InlineData("time")]
    [InlineData("processes")]
    public void Runner_survives_edge_values(string group)
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_arith"), group], Differential.DefaultLimit);
        Assert.False(r.TimedOut, r.ToString());
        Assert.False(r.ShowsDotnetStackTrace, r.ToString());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("survived\n", r.StdoutText, System.StringComparison.Ordinal);
    }

    [ProbeTheory]
    [InlineData("groups", Skip = "issue 10: setgroups answers ENOSYS (Linux: EINVAL for a huge count)")]
    [InlineData("io", Skip = "issue 10: read of /dev/zero with count SIZE_MAX kills the guest with SIGSEGV (Linux: EFAULT)")]
    [InlineData("vectors", Skip = "issue 10: preadv answers ENOSYS")]
    [InlineData("memory", Skip = "issue 10: mmap with an overflowing offset succeeds (Linux: EOVERFLOW); mremap/madvise/msync/mlock/mincore edge answers differ")]
    [InlineData("polling", Skip = "issue 10: select with nfds INT_MAX answers EINVAL (Linux: 0); ppoll accepts sigsetsize 16")]
    [InlineData("signals")]
    [InlineData("limits", Skip = "issue 10: prlimit on a missing pid answers EPERM (Linux: ESRCH); setrlimit cur>max EPERM (EINVAL); getpriority ENOSYS")]
    [InlineData("descriptors", Skip = "issue 10: F_SETPIPE_SZ INT_MAX answers EINVAL (Linux: EPERM)")]
    [InlineData("time")]
    [InlineData("processes", Skip = "issue 10: waitid answers ENOSYS; a syscall number with upper bits set is not truncated to 32 bits")]
    public void Edge_values_get_Linux_answers(string group) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_arith"), [group]);
}
