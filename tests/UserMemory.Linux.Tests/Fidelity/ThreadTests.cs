using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Threads (issue 14): tests/probes/threads.c built with musl and with glibc, natively and under the runner, same
/// bytes. Mutex, condition variable and barrier across 8 threads; exit and join; pthread_cancel of threads blocked in
/// read() and pthread_cond_wait; a signal to one thread and a process-directed one reaching the thread that does not
/// block it; a futex ping-pong; the futex answers (EAGAIN, ETIMEDOUT, EINVAL, EFAULT, WAKE counts, CMP_REQUEUE,
/// WAKE_OP); one thread unmapping the buffer another thread's read() from a pipe is about to fill (EFAULT, as on
/// Linux, and the host survives); exit() from a thread ends the process, the main thread's pthread_exit leaves the
/// others running, execve and fork from a thread that is not the main one; a robust mutex whose owner exited answers EOWNERDEAD; once munmap or
/// mprotect returned, another thread spinning on the page faults (no stale TLB entry survives on another vCPU); eight
/// threads mapping and unmapping at once never see a failed mmap or a dirty fresh page; 500 threads alive at once (the KVM
/// backend once stopped at 64 vCPUs, so the 64th clone answered EAGAIN). Linux is the oracle.
/// </summary>
public sealed class ThreadTests
{
    /// <summary>Every mode of the probe, each with musl and with glibc.</summary>
    public static TheoryData<string, bool> Modes()
    {
        var data = new TheoryData<string, bool>();
        foreach (string mode in new[] { "stress", "join", "cancel", "signal", "pingpong", "futex", "munmap_read", "exit_group", "main_exit", "exec", "fork", "robust", "parallel_mmap", "many" })
        {
            data.Add(mode, false);
            data.Add(mode, true);
        }

        return data;
    }

    [ThreadProbeTheory]
    [MemberData(nameof(Modes))]
    public void Threads_behave_as_on_Linux(string mode, bool glibc) =>
        Differential.AssertSameAsNative(Probe(glibc), [mode]);

    [ThreadProbeTheory] // on a PVM host this guards KvmVirtualMachine.DropShadowEntries (issue 14)
    [InlineData(false)]
    [InlineData(true)]
    public void A_removed_page_faults_on_every_thread_once_munmap_or_mprotect_returned(bool glibc) =>
        Differential.AssertSameAsNative(Probe(glibc), ["shootdown"]);

    private static string Probe(bool glibc) => glibc ? Probes.GetGlibcStatic("threads") : Probes.Get("threads");
}
