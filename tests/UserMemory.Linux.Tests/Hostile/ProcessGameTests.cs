using System;
using System.Diagnostics;
using System.Globalization;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, process games: tests/probes/hostile_process.c tries clone flag combinations (CLONE_SETTLS with a
/// kernel or non-canonical base once crashed the KVM runner), arch_prctl FS/GS bases outside the user range, prctl,
/// futexes on bad words with bad operations, looping robust lists, mappings over the vsyscall page and the ends of
/// the address space, and descriptor exhaustion. Linux is the oracle for those; the calls that would reach the host
/// natively (ptrace, process_vm_readv, pidfd_getfd against outsiders; namespaces, mount, seccomp) run only under the
/// runner and must be refused without harming it.
/// </summary>
public sealed class ProcessGameTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>A guest killed by SIGSYS (31), as a shell reports it.</summary>
    private const int KilledBySigsys = 128 + 31;

    [ProbeFact]
    public void Process_games_end_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("hostile_process"), [], Limit);

    [ProbeFact]
    public void Cross_process_calls_never_reach_an_outsider_the_parent_or_init()
    {
        var sleeper = new ProcessStartInfo("/bin/sleep", "120") { UseShellExecute = false };
        using System.Diagnostics.Process outsider = System.Diagnostics.Process.Start(sleeper)!;
        try
        {
            RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_process"), "outsider", outsider.Id.ToString(CultureInfo.InvariantCulture)], Limit);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.False(outsider.HasExited, "the guest killed a host process\n" + r);
            Assert.Contains("target 2:", r.StdoutText, StringComparison.Ordinal);
            Assert.DoesNotContain(": ok", r.StdoutText, StringComparison.Ordinal);
        }
        finally
        {
            outsider.Kill();
        }
    }

    [ProbeFact]
    public void Privileged_calls_are_refused_and_the_guest_keeps_running()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_process"), "privileged"], Limit);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("still alive", r.StdoutText, StringComparison.Ordinal);
        foreach (string call in new[] { "ptrace_attach_parent", "ptrace_seize_init", "prctl_set_mm_start_code", "unshare_all", "mount_tmpfs", "iopl_3", "bpf", "userfaultfd", "io_uring_setup", "open_by_handle_at" })
        {
            Assert.DoesNotContain(call + ": ok", r.StdoutText, StringComparison.Ordinal);
        }
    }

    [ProbeTheory]
    [InlineData("seccomp_strict", 3)]
    [InlineData("seccomp_filter_kill", 4)]
    public void A_seccomp_request_never_binds_the_runner(string mode, int guestExit)
    {
        // Linux would run strict mode (exit 3 still works) and kill the guest at its next call under the filter
        // (SIGSYS); the runner may refuse either, but must stay the one reporting the guest's end.
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("hostile_process"), mode], Limit);
        Assert.True(r.ExitCode == guestExit || r.ExitCode == KilledBySigsys, r.ToString());
    }
}
