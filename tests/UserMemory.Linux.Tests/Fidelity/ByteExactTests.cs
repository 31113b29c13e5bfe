using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), bytes never strings: file names, link targets, the working directory (tests/probes/
/// fidelity_bytes.c) and argv/envp (tests/probes/hostile_env.c) that are not UTF-8 reach the kernel and the guest
/// unchanged, before and across execve. Linux is the oracle.
/// </summary>
public sealed class ByteExactTests
{
    [ProbeFact]
    public void Non_UTF8_file_names_link_targets_and_cwd_survive() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_bytes"), ["files"]);

    [ProbeFact]
    public void Execve_through_a_non_UTF8_path_works() =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_bytes"), ["exec"]);

    [ProbeFact]
    public void Non_UTF8_argv_survives_execve() =>
        Differential.AssertSameAsNative(Probes.Get("hostile_env"), ["bytes"]);

    [ProbeFact]
    public void Non_UTF8_argv_survives_the_runner_command_line()
    {
        string probe = Probes.Get("hostile_env");
        RawResult native = RawProcess.Run(probe, ["launch", probe], Differential.DefaultLimit);
        RawResult emulated = RawProcess.Run(probe, ["launch", Repository.Runner], Differential.DefaultLimit);
        Differential.AssertSame(native, emulated);
    }
}
