using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Shared futexes across processes (tests/probes/futex_shared.c, musl and glibc): every guest process is its own
/// runner process, so a futex word in <c>MAP_SHARED</c> memory (anonymous, or a file) must meet waiters in other
/// processes. WAKE, WAIT_BITSET/WAKE_BITSET, CMP_REQUEUE and WAKE_OP across a fork; EAGAIN, ETIMEDOUT, EINVAL and
/// EFAULT answers; a signal ending a blocked shared wait with EINTR; private futexes staying per process; a
/// process-shared pthread mutex under contention; a named POSIX semaphore. Before, every wake answered 0 and Python's
/// <c>multiprocessing.Pool</c> hung at <c>join</c>. Linux is the oracle.
/// </summary>
public sealed class SharedFutexTests
{
    /// <summary>Every mode, each with musl and with glibc.</summary>
    public static TheoryData<string, bool> Modes()
    {
        var data = new TheoryData<string, bool>();
        foreach (string mode in new[] { "wake", "file", "bitset", "requeue", "wakeop", "answers", "signal", "private", "mutex", "semaphore" })
        {
            data.Add(mode, false);
            data.Add(mode, true);
        }

        return data;
    }

    [ProbeTheory]
    [MemberData(nameof(Modes))]
    public void Shared_futexes_work_across_processes_as_on_Linux(string mode, bool glibc) =>
        Differential.AssertSameAsNative(glibc ? Probes.GetGlibcStatic("futex_shared") : Probes.Get("futex_shared"), [mode]);
}
