using UserMemory.Linux.Tests.Support;


namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, proc escapes (issue 10): tests/probes/hostile_proc.c reads /proc/self under every spelling of the
/// path (/proc/self, /proc/thread-self, /proc/&lt;pid&gt;, /proc/./self, //proc/self/../self, a directory descriptor of
/// /proc, symlinks into /proc, /dev/fd/..) and prints properties of what it saw. Linux is the oracle: the guest must
/// see its own process (its maps, its memory through mem, its argv, environment, signal masks and descriptors),
/// exactly as a native run does, and nothing of the runner.
/// </summary>
public sealed class ProcEscapeTests
{
    [ProbeTheory]
    [InlineData("maps")]
    [InlineData("mem")]
    [InlineData("files")]
    [InlineData("fd")]
    public void Guest_sees_only_its_own_process_under_every_spelling(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("hostile_proc"), [mode]);
}

/// <summary>
/// Hostile guest, other processes' /proc (issue 10): every other guest process is a runner process, and the runner's
/// own threads have ids of their own, so the documented sandbox answer (src/UserMemory.Linux/Fs/README.md) replaces
/// Linux's: mem, maps, environ, auxv, fd and exe of any other pid answer EACCES, the runner's thread ids do not exist,
/// and only host facts (status, stat, comm, cmdline, statm) are readable.
/// </summary>
public sealed class OtherProcessProcTests
{
    [Fact]
    public void Other_pids_and_runner_threads_give_nothing_away()
    {
        // Shell builtins (read with a redirection) probe without starting a process per probe.
        const string Script =
            "b=/bin/busybox; $b sleep 60 & child=$!; " +
            "for f in mem maps environ auxv exe fd/0 task/$child/maps; do read -r x < /proc/$child/$f 2>/dev/null && echo LEAK $f; done; " +
            "read -r x < /proc/$child/status; echo ${x%%:*}; " +
            "i=$$; end=$(($$ + 200)); while [ $i -le $end ]; do " +
            "  if [ $i != $$ ] && [ $i != $child ]; then " +
            "    read -r x < /proc/$i/maps 2>/dev/null && echo LEAK maps $i; " +
            "    read -r x < /proc/$i/environ 2>/dev/null && echo LEAK environ $i; " +
            "    read -r x < /proc/$i/task/$i/maps 2>/dev/null && echo LEAK task $i; " +
            "  fi; i=$(($i + 1)); done; " +
            "$b ls /proc/self/task | $b wc -l; $b kill $child; echo done";
        ProcessResult r = HostProcess.RunUnderRunner(["/bin/busybox", "sh", "-c", Script]);
        Assert.DoesNotContain("LEAK", r.Stdout, System.StringComparison.Ordinal);
        Assert.Equal("Name\n1\ndone\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
    }
}
