using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Setting the system clocks: tests/probes/clock_set.c. <c>clock_settime</c>, <c>settimeofday</c>, <c>adjtimex</c>
/// and <c>clock_adjtime</c> once answered ENOSYS (CPython's test_time expects PermissionError or success). Linux's
/// checks before the capability (clocks that cannot be set, invalid times, NULL and unmapped pointers) and read-only
/// adjtimex requests match a native run; a request that would change the host's clock is EPERM under the runner,
/// as for a process without CAP_SYS_TIME. The native run asks only what cannot change the clock: the tests run as
/// root.
/// </summary>
public sealed class ClockSetTests
{
    [ProbeFact]
    public void Checks_before_the_capability_answer_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("clock_set"), []);

    [ProbeFact]
    public void A_change_to_the_clock_is_refused_with_EPERM()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("clock_set"), "changes"], Differential.DefaultLimit);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "settime_realtime_now ret=-1 errno=1\nsettimeofday_null_null ret=-1 errno=1\nsettimeofday_now ret=-1 errno=1\n"
            + "settimeofday_tz_out_of_range ret=-1 errno=1\nadjtimex_set_frequency ret=-1 errno=1\n"
            + "adjtimex_singleshot ret=-1 errno=1\nadjtimex_all_modes ret=-1 errno=1\nclock_adjtime_set_offset ret=-1 errno=1\n",
            r.StdoutText);
    }
}
