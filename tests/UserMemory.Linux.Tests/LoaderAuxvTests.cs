using System;
using System.Collections.Concurrent;
using System.IO;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// The loader's hand-over, with Linux as the oracle: tests/probes/loader_auxv.c checks AT_ENTRY == &amp;_start,
/// AT_PHDR/AT_PHNUM against its own headers, AT_BASE against the dynamic linker dl_iterate_phdr reports (or 0 when
/// static), the identity entries and a zero, writable .bss. Each build (static musl, static-pie glibc, dynamic glibc
/// with and without PIE, dynamic musl) must print the same lines natively and under the runner, and those lines must
/// say every fact holds. A dynamic glibc probe also checks that first calls through the PLT (lazy binding) keep
/// their XMM arguments.
/// </summary>
public sealed class LoaderAuxvTests
{
    private static readonly string OutputDir = Directory.CreateTempSubdirectory("usermem-loader-probes-").FullName;
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new();

    [ProbeTheory]
    [InlineData("musl-static")]
    [InlineData("glibc-static-pie")]
    [InlineData("glibc-dynamic")]
    [InlineData("glibc-dynamic-pie")]
    [InlineData("musl-dynamic")]
    public void Auxiliary_vector_matches_native_and_states_true_facts(string build)
    {
        RawResult r = Differential.AssertSameAsNative(Build(build), []);
        string output = r.StdoutText;
        foreach (string fact in new[]
        {
            "entry_is_start=1\n", "phdr_is_own_headers=1\n", "phent=56 phnum_matches=1\n",
            "pagesz=4096 clktck=100 flags=0 secure=0\n", "ids_match=1\n", "platform=x86_64\n", "execfn_is_argv0=1\n",
            "random_present=1 hwcap_present=1", "envp_follows_argv=1\n", "bss_zero=1 bss_writable=1\n",
        })
        {
            Assert.Contains(fact, output, StringComparison.Ordinal);
        }

        if (build.EndsWith("dynamic", StringComparison.Ordinal) || build.EndsWith("dynamic-pie", StringComparison.Ordinal))
        {
            Assert.Contains("base_is_elf=1 base_is_loaded_object=1\n", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("static base=0\n", output, StringComparison.Ordinal);
        }
    }

    [ProbeFact]
    public void First_calls_through_the_PLT_keep_their_floating_point_arguments()
    {
        string probe = Built.GetOrAdd("lazy", _ => new Lazy<string>(() => Compile("loader_lazy_binding", "/usr/bin/gcc", ["-fno-builtin"], ["-lm"]))).Value;
        RawResult r = Differential.AssertSameAsNative(probe, ["3.7"]);
        Assert.Contains("floor=3.000\n", r.StdoutText, StringComparison.Ordinal);
        Assert.Contains("fxrstor_restores_xmm0=1\n", r.StdoutText, StringComparison.Ordinal);
    }

    private static string Build(string build) => Built.GetOrAdd(build, b => new Lazy<string>(() => Compile(b))).Value;

    private static string Compile(string build)
    {
        (string compiler, string[] flags) = build switch
        {
            "musl-static" => (Probes.Compiler, new[] { "-static" }),
            "glibc-static-pie" => ("/usr/bin/gcc", new[] { "-static-pie" }),
            "glibc-dynamic" => ("/usr/bin/gcc", new[] { "-no-pie" }),
            "glibc-dynamic-pie" => ("/usr/bin/gcc", new[] { "-pie", "-fPIE" }),
            "musl-dynamic" => (Probes.Compiler, Array.Empty<string>()),
            _ => throw new ArgumentOutOfRangeException(nameof(build)),
        };
        return Compile("loader_auxv", compiler, flags, [], "-" + build);
    }

    private static string Compile(string name, string compiler, string[] flags, string[] libraries, string suffix = "")
    {
        string output = Path.Combine(OutputDir, name + suffix);
        ProcessResult r = HostProcess.Run(compiler, [.. flags, "-O1", "-o", output, Path.Combine(Repository.Probes, name + ".c"), .. libraries]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("building " + name + suffix + " failed:\n" + r);
        }

        return output;
    }
}
