using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// POSIX timers aimed at one thread (<c>SIGEV_THREAD_ID</c>): tests/probes/thread_timers.c. Go's CPU profiler
/// (runtime/pprof) makes one per thread on its CPU-time clock and counts a sample only on the thread it measures; the
/// signal must reach that thread, not the one the process-directed rules pick. Linux is the oracle.
/// </summary>
public sealed class ThreadTimerTests
{
    [ProbeFact]
    public void A_thread_timer_signals_its_thread() =>
        Differential.AssertSameAsNative(Probes.Get("thread_timers"), ["thread"]);

    /// <summary>Process-wide CPU-time timers (<c>ITIMER_PROF</c>, <c>ITIMER_VIRTUAL</c>, a POSIX timer on
    /// <c>CLOCK_PROCESS_CPUTIME_ID</c>) signal the thread that uses the CPU, not a main thread asleep in
    /// <c>read</c>: Go's profiler samples C threads this way.</summary>
    [ProbeFact]
    public void A_process_cpu_timer_signals_the_busy_thread() =>
        Differential.AssertSameAsNative(Probes.Get("thread_timers"), ["itimer"]);

    /// <summary>Two busy threads, each with its own SIGPROF timer, next to <c>setitimer(ITIMER_PROF)</c> at the same
    /// rate (Go's profiler): every expiry of each thread's timer reaches that thread (runtime/pprof's
    /// TestCPUProfileMultithreadMagnitude lost about half of them).</summary>
    [ProbeFact]
    public void Thread_timers_next_to_a_process_timer_lose_no_expiry() =>
        Differential.AssertSameAsNative(Probes.Get("thread_timers"), ["pair"]);
}
