using System.Diagnostics;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, reaching host processes by pid (issue 10): tests/probes/hostile_pids.c names a host process that is
/// not part of the sandbox in every way a guest can (kill with its pid, its group, -1 and 0; tkill, tgkill,
/// rt_sigqueueinfo, rt_tgsigqueueinfo; getpgid, getsid, getpriority, prlimit64; /proc/PID; the runner's own parent). Each answers
/// ESRCH as if it did not exist, the outsider survives, and -1 and 0 still reach the sandbox's own processes. Linux
/// cannot be the oracle here (natively the probe would signal host processes): the expected lines are the contract.
/// </summary>
public sealed class PidConfinementTests
{
    private const string Expected =
        "kill_outsider_0 ret=-1 errno=3\n" +
        "kill_outsider_term ret=-1 errno=3\n" +
        "kill_outsider_group ret=-1 errno=3\n" +
        "tkill_outsider ret=-1 errno=3\n" +
        "tgkill_outsider ret=-1 errno=3\n" +
        "sigqueue_outsider ret=-1 errno=3\n" +
        "tgsigqueue_outsider ret=-1 errno=3\n" +
        "getpgid_outsider ret=-1 errno=3\n" +
        "getsid_outsider ret=-1 errno=3\n" +
        "getpriority_outsider ret=-1 errno=3\n" +
        "prlimit_outsider ret=-1 errno=3\n" +
        "kill_parent_0 ret=-1 errno=3\n" +
        "open_outsider_proc_stat ret=-1 errno=2\n" +
        "open_parent_proc_dir ret=-1 errno=2\n" +
        "kill_everyone_alone ret=-1 errno=3\n" +
        "kill_int_min ret=-1 errno=3\n" +
        "kill_own_group_usr1 ret=0 errno=0\n" +
        "usr1_handled=1\n" +
        "kill_everyone_usr2 ret=0 errno=0\n" +
        "child_status=42 parent_usr2=0\n" +
        "kill_reaped_child ret=-1 errno=3\n" +
        "kill_everyone_after ret=-1 errno=3\n";

    [ProbeFact]
    public void Host_processes_outside_the_sandbox_do_not_exist_for_the_guest()
    {
        var sleeper = new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false };
        using System.Diagnostics.Process outsider = System.Diagnostics.Process.Start(sleeper)!;
        try
        {
            RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_pids"), outsider.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Differential.DefaultLimit);
            Assert.False(outsider.HasExited, "the guest killed a host process\n" + r);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(Expected, r.StdoutText);
        }
        finally
        {
            outsider.Kill();
        }
    }
}
