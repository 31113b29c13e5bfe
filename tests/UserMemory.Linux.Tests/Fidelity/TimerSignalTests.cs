using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// POSIX timers on signals the runner cannot forward as themselves (found by stress-ng's <c>--timer</c> and
/// <c>--epoll</c> stressors, whose glibc SIGRTMIN timer was EINVAL): tests/probes/timer_signals.c creates timers on
/// 32, 33, 34, 35, SIGUSR1, SIGSEGV and 64 and takes each signal with its SI_TIMER code and value; a 1 us timer on a
/// blocked signal leaves one pending instance with overruns; a deleted fast timer's signal never kills the process.
/// Linux is the oracle.
/// </summary>
public sealed class TimerSignalTests
{
    /// <param name="build">musl or glibc (static).</param>
    [ProbeTheory]
    [InlineData("musl")]
    [InlineData("glibc")]
    public void A_timer_signals_what_it_was_asked_to(string build) =>
        Differential.AssertSameAsNative(build == "musl" ? Probes.Get("timer_signals") : Probes.GetGlibcStatic("timer_signals"), []);
}
