using System;
using System.IO;
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
/// list, its /proc/TID is ENOENT and a status opened before reads ESRCH. Thread names are per thread: PR_SET_NAME on
/// a worker names only it (comm, status Name:, stat), a write to its task/TID/comm renames it (pthread_setname_np of
/// another thread) and the process's comm stays the leader's; comm writes at the edges (NULL, a fault within the
/// first 15 bytes or past them, pwrite, an empty write, a read-only descriptor) answer as Linux's.
/// The credential part needs root (both runs skip it alike otherwise). Linux is the oracle.
/// </summary>
public sealed class ProcThreadTests
{
    [ThreadProbeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Proc_shows_every_thread_with_its_own_ids_masks_and_credentials(bool glibc) =>
        Differential.AssertSameAsNative(glibc ? Probes.GetGlibcStatic("proc_threads") : Probes.Get("proc_threads"), []);

    /// <summary>The main thread leaves with pthread_exit while a worker runs on: the leader stays listed first in
    /// task/, its stat and status say Z (zombie), and Threads: still counts it, until the group ends.</summary>
    [ThreadProbeTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_leader_that_left_stays_listed_as_a_zombie(bool glibc) =>
        Differential.AssertSameAsNative(glibc ? Probes.GetGlibcStatic("proc_threads") : Probes.Get("proc_threads"), ["leader_exit"]);

    /// <summary>A process that gave up root (user and group 99, every thread) executes itself: the new program, and
    /// a thread of it, show the new ids, no groups and no capabilities; on KVM the runner that the execve starts can no
    /// longer open /dev/kvm and must go on anyway (it used to die with an unhandled exception).</summary>
    [RootDropTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_process_that_dropped_root_executes_and_shows_its_new_credentials(bool glibc)
    {
        // The program must stay executable for user 99: a directory everyone can enter (the probes' own is private).
        string directory = Directory.CreateTempSubdirectory("usermem-proc-threads-").FullName;
        try
        {
            string program = Path.Combine(directory, glibc ? "proc_threads_glibc" : "proc_threads");
            File.Copy(glibc ? Probes.GetGlibcStatic("proc_threads") : Probes.Get("proc_threads"), program);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(directory, RootDropTheoryAttribute.Traversable | UnixFileMode.UserWrite);
                File.SetUnixFileMode(program, RootDropTheoryAttribute.Traversable);
            }

            RawResult r = Differential.AssertSameAsNative(program, ["drop"]);
            Assert.Contains("Uid=[99\t99\t99\t99]", r.StdoutText, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Go's own credential tests from the syscall package (its test binary, as natively): TestSetuidEtc
    /// reads every thread's /proc/TID/status after each setuid-family call Go applies to all threads;
    /// AllThreadsSyscall reaches every thread (capget's EFAULT included); TestDeathSignal starts a child as user 99
    /// (whose runner no longer opens /dev/kvm on KVM).</summary>
    /// <param name="tests">The -test.run pattern.</param>
    [RootDropTheory(go: true)]
    [InlineData("^TestSetuidEtc$")]
    [InlineData("^TestAllThreadsSyscall")]
    [InlineData("^TestDeathSignal$")]
    public void Go_syscall_credential_tests_pass_as_natively(string tests)
    {
        string binary = GoPrograms.TestBinary("syscall");
        string directory = GoPrograms.SourceDirectory("syscall");
        string[] arguments = ["-test.short", "-test.v", "-test.run", tests];
        ProcessResult native = HostProcess.Run(binary, arguments, workingDirectory: directory);
        Assert.True(native.ExitCode == 0, "native run failed:\n" + native);
        ProcessResult emulated = HostProcess.RunUnderRunner([binary, .. arguments], workingDirectory: directory, timeout: TimeSpan.FromSeconds(240));
        Assert.True(emulated.ExitCode == 0, "run under usermem-run failed:\n" + emulated);
        Assert.EndsWith("PASS\n", emulated.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--- SKIP", emulated.Stdout, StringComparison.Ordinal);
    }

    /// <summary>A theory that needs root (to give it up) and a runner that user 99 can still start (and, for Go's
    /// tests, the Go toolchain): skipped, with the reason, otherwise.</summary>
    private sealed class RootDropTheoryAttribute : TheoryAttribute
    {
        /// <summary>Read and execute (search) for everyone.</summary>
        internal const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

        public RootDropTheoryAttribute(bool go = false)
        {
            if (go && !File.Exists(GoPrograms.Toolchain))
            {
                Skip = "the Go toolchain is missing (Debian package golang-go; scripts/install-deps.sh installs it)";
            }
            else if (!File.Exists(Probes.Compiler))
            {
                Skip = "musl-gcc is missing (Debian package musl-tools; scripts/install-deps.sh installs it)";
            }
            else if (Environment.UserName != "root")
            {
                Skip = "needs root: the probe gives root up before it executes itself";
            }
            else if (!EveryoneReaches(Repository.Runner))
            {
                Skip = "the runner lies under a directory other users cannot enter, so a runner without root cannot start";
            }
        }

        /// <summary>True when every directory above <paramref name="path"/> lets others search it.</summary>
        private static bool EveryoneReaches(string path)
        {
            for (DirectoryInfo? d = new FileInfo(path).Directory; d is not null; d = d.Parent)
            {
                if (!d.Exists || !OperatingSystem.IsLinux() || (d.UnixFileMode & UnixFileMode.OtherExecute) == 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
