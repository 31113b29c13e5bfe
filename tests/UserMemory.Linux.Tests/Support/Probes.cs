using System;
using System.Collections.Concurrent;
using System.IO;

namespace UserMemory.Linux.Tests.Support;

/// <summary>Builds the probe programs of tests/probes with <c>musl-gcc -static</c>, once per test run.</summary>
internal static class Probes
{
    /// <summary>The compiler.</summary>
    public const string Compiler = "/usr/bin/musl-gcc";

    private static readonly string OutputDir = Directory.CreateTempSubdirectory("usermem-probes-").FullName;
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new();

    /// <summary>The path of the built probe <paramref name="name"/> (tests/probes/NAME.c).</summary>
    /// <param name="name">The probe's name.</param>
    /// <returns>The executable.</returns>
    public static string Get(string name) => Built.GetOrAdd(name, n => new Lazy<string>(() => Build(n))).Value;

    /// <summary>Builds tests/probes/NAME.c with the system gcc as a glibc static-pie executable.</summary>
    /// <param name="name">The probe's name.</param>
    /// <returns>The executable.</returns>
    public static string GetStaticPie(string name) => Built.GetOrAdd("pie:" + name, n => new Lazy<string>(() => Build(name, "/usr/bin/gcc", "-static-pie", "-pie"))).Value;

    /// <summary>Builds tests/probes/NAME.c with the system gcc as a static (non-PIE) glibc executable.</summary>
    /// <param name="name">The probe's name.</param>
    /// <returns>The executable's path.</returns>
    public static string GetGlibcStatic(string name) => Built.GetOrAdd("static-glibc:" + name, n => new Lazy<string>(() => Build(name, "/usr/bin/gcc", "-static", "-glibc-static"))).Value;

    /// <summary>Builds tests/probes/NAME.c with the system gcc as an ordinary dynamically linked glibc executable.</summary>
    /// <param name="name">The probe's name.</param>
    /// <returns>The executable.</returns>
    public static string GetGlibcDynamic(string name) => Built.GetOrAdd("dyn:" + name, n => new Lazy<string>(() => Build(name, "/usr/bin/gcc", "-no-pie", "-glibc"))).Value;

    /// <summary>Builds tests/probes/NAME.c with the system gcc as a shared object (<c>NAME.so</c>).</summary>
    /// <param name="name">The probe's name.</param>
    /// <returns>The shared object's path.</returns>
    public static string GetSharedObject(string name) => Built.GetOrAdd("so:" + name, n => new Lazy<string>(() => BuildShared(name))).Value;

    private static string Build(string name) => Build(name, Compiler, "-static", string.Empty);

    private static string BuildShared(string name)
    {
        string output = Path.Combine(OutputDir, name + ".so");
        ProcessResult r = HostProcess.Run("/usr/bin/gcc", ["-shared", "-fPIC", "-O1", "-o", output, Path.Combine(Repository.Probes, name + ".c")]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("building shared object " + name + " failed:\n" + r);
        }

        return output;
    }

    private static string Build(string name, string compiler, string mode, string suffix)
    {
        string output = Path.Combine(OutputDir, name + suffix);
        ProcessResult r = HostProcess.Run(compiler, [mode, "-O1", "-o", output, Path.Combine(Repository.Probes, name + ".c")]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("building probe " + name + " failed:\n" + r);
        }

        return output;
    }
}
