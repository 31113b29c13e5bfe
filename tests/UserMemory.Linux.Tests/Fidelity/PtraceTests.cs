using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// <c>ptrace</c> without a tracer: tests/probes/ptrace_denied.c. What Linux answers whatever its ptrace policy
/// (attaching to oneself, to a missing pid, requests on an untraced child) matches a native run; asking to be traced
/// or to attach answers EPERM as on a Linux that forbids tracing (Go's <c>TestExecPtrace</c> accepts that, not
/// ENOSYS), and a child that asked carries on.
/// </summary>
public sealed class PtraceTests
{
    [ProbeFact]
    public void Requests_without_a_tracee_answer_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("ptrace_denied"), ["common"]);

    [ProbeFact]
    public void Tracing_is_refused_with_EPERM()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("ptrace_denied"), "deny"], Differential.DefaultLimit);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "traceme ret=-1 errno=1\nattach_child ret=-1 errno=1\nseize_child ret=-1 errno=1\npeek_child ret=-1 errno=3\n"
            + "asker exited=1 code=1\nchild killed=1\ndone\n",
            r.StdoutText);
    }
}
