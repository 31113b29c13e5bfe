using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, environment injection (issue 10): tests/probes/hostile_env.c execs itself with loader and runtime
/// variables in its envp (LD_PRELOAD and LD_AUDIT naming tests/probes/hostile_env_marker.c, whose constructor writes a
/// marker file; a CoreCLR profiler path; a 1 MiB .NET heap limit) and with non-UTF-8 bytes in argv and envp. The
/// static child ignores the variables and sees every byte (Linux is the oracle); the runner must not load or obey any
/// of them, so the marker file never appears.
/// </summary>
public sealed class EnvironmentInjectionTests
{
    [ProbeFact]
    public void Loader_variables_in_a_guest_execve_do_not_reach_the_runner()
    {
        string probe = Probes.Get("hostile_env");
        string so = Probes.GetSharedObject("hostile_env_marker");
        string directory = Directory.CreateTempSubdirectory("usermem-env-").FullName;
        try
        {
            string nativeMarker = Path.Combine(directory, "native-marker");
            string emulatedMarker = Path.Combine(directory, "runner-marker");
            RawResult native = RawProcess.Run(probe, ["exec", so, nativeMarker], Differential.DefaultLimit);
            RawResult emulated = RawProcess.RunUnderRunner([probe, "exec", so, emulatedMarker], Differential.DefaultLimit);
            Assert.False(File.Exists(nativeMarker), "the probe is wrong: natively the static child loaded the .so");
            if (File.Exists(emulatedMarker))
            {
                Assert.Fail("a host shared object ran inside the runner:\n" + File.ReadAllText(emulatedMarker) + emulated);
            }

            Assert.Contains("env len=", native.StdoutText, System.StringComparison.Ordinal);
            Differential.AssertSame(native, emulated);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [ProbeFact]
    public void Non_UTF8_argv_and_envp_survive_a_guest_execve_byte_exact() =>
        Differential.AssertSameAsNative(Probes.Get("hostile_env"), ["bytes"]);

    [ProbeFact]
    public void Non_UTF8_argv_and_envp_survive_the_runner_command_line_byte_exact()
    {
        // The bytes cannot be passed through .NET's process API, so the probe itself (run natively) execs the runner,
        // or, for the oracle, itself, with the raw bytes.
        string probe = Probes.Get("hostile_env");
        RawResult native = RawProcess.Run(probe, ["launch", probe], Differential.DefaultLimit);
        RawResult emulated = RawProcess.Run(probe, ["launch", Repository.Runner], Differential.DefaultLimit);
        Assert.Contains("hex=6180fffec3287a", native.StdoutText, System.StringComparison.Ordinal);
        Differential.AssertSame(native, emulated);
    }
}
