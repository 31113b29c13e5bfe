using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// /proc per thread and per credential: tests/probes/proc_threads.c, built with musl and with glibc, natively and
/// under the runner, same bytes. /proc/self/task lists every thread (leader first), /proc/TID/task too; each thread's
/// status (through task/TID, through /proc/TID of a thread that is not the leader and through /proc/thread-self)
/// shows its own Pid, the live Threads count, its own blocked and pending signals, and its own real, effective, saved
/// and file-system ids and supplementary groups: after raw setresuid/setresgid/setgroups on one thread only that
/// thread changes; after the C library's calls (which apply to every thread) all do; stat shows the thread's id and
/// num_threads; capget of a thread agrees with its CapEff line, and capget/capset answer odd headers (NULL, a bad
/// version written back, a negative pid, unmapped data, another pid) as Linux does; a thread that ended leaves the
/// list, its /proc/TID is ENOENT and a status opened before reads ESRCH.
/// The credential part needs root (both runs skip it alike otherwise). Linux is the oracle.
/// </summary>
public sealed class ProcThreadTests
{
    [ThreadProbeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Proc_shows_every_thread_with_its_own_ids_masks_and_credentials(bool glibc) =>
        Differential.AssertSameAsNative(glibc ? Probes.GetGlibcStatic("proc_threads") : Probes.Get("proc_threads"), []);
}
