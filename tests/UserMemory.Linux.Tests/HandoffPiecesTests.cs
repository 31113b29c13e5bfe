using System;
using System.IO;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>The hand-off's smaller parts: the next runner's environment, the raw command line, program paths as
/// bytes, the reserved descriptor numbers.</summary>
public sealed class HandoffPiecesTests
{
    [Fact]
    public void Next_runner_environment_keeps_only_the_runtime_location_and_turns_diagnostics_off()
    {
        byte[][] own =
        [
            "LD_PRELOAD=/tmp/evil.so"u8.ToArray(),
            "LD_AUDIT=/tmp/evil.so"u8.ToArray(),
            "DOTNET_GCHeapHardLimit=0x100000"u8.ToArray(),
            "CORECLR_ENABLE_PROFILING=1"u8.ToArray(),
            "DOTNET_ROOT=/usr/share/dotnet"u8.ToArray(),
            "PATH=/bin"u8.ToArray(),
            [0xff, 0xfe, .. "NAME=v"u8],
        ];
        byte[][] env = CleanEnvironment.Build(own);
        Assert.Equal(["DOTNET_ROOT=/usr/share/dotnet\0"u8.ToArray(), "DOTNET_EnableDiagnostics=0\0"u8.ToArray()], env);
        Assert.Equal(["DOTNET_EnableDiagnostics=0\0"u8.ToArray()], CleanEnvironment.Build([]));
    }

    [Fact]
    public void Raw_command_line_splits_on_NUL_and_keeps_every_byte()
    {
        byte[][] parts = RawCommandLine.Split([.. "run\0a"u8, 0x80, 0xff, 0, 0, (byte)'z']);
        Assert.Equal(["run"u8.ToArray(), [(byte)'a', 0x80, 0xff], [], "z"u8.ToArray()], parts);
        Assert.Empty(RawCommandLine.Split([]));
    }

    [Fact]
    public void Raw_command_line_of_this_process_matches_its_decoded_arguments()
    {
        string[] decoded = Environment.GetCommandLineArgs()[1..];
        byte[][] raw = RawCommandLine.Read(decoded);
        Assert.Equal(decoded.Length, raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            Assert.Equal(decoded[i], System.Text.Encoding.UTF8.GetString(raw[i]));
        }
    }

    [Fact]
    public void Program_paths_are_made_absolute_and_searched_as_bytes()
    {
        byte[] relative = [(byte)'x', 0xff, .. "/y"u8];
        byte[] absolute = ProgramPath.Absolute(relative);
        Assert.Equal((byte)'/', absolute[0]);
        Assert.True(absolute.AsSpan().EndsWith([(byte)'/', .. relative]));
        Assert.Same(absolute, ProgramPath.Absolute(absolute));

        string directory = Directory.CreateTempSubdirectory("usermem-path-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "tool"), string.Empty);
            Directory.CreateDirectory(Path.Combine(directory, "dironly"));
            byte[][] env = [System.Text.Encoding.UTF8.GetBytes("PATH=/nonexistent::" + directory)];
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes(directory + "/tool"), ProgramPath.Search("tool"u8.ToArray(), env));
            Assert.Null(ProgramPath.Search("dironly"u8.ToArray(), env));
            Assert.Null(ProgramPath.Search("missing"u8.ToArray(), env));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Non_UTF8_program_path_and_arguments_on_the_runner_command_line_stay_byte_exact()
    {
        // .NET cannot pass these bytes, so bash builds them ($'\xff'): a link to busybox in a directory named with an
        // invalid UTF-8 byte, run by path with a non-UTF-8 argument.
        string directory = Directory.CreateTempSubdirectory("usermem-rawpath-").FullName;
        try
        {
            string script = "d=\"$0\"/$'a\\xff'; mkdir \"$d\" && ln -s /bin/busybox \"$d/busybox\" && exec \"$1\" \"$d/busybox\" echo $'x\\xfe'";
            Support.RawResult r = Support.RawProcess.Run("/bin/bash", ["-c", script, directory, Support.Repository.Runner], TimeSpan.FromSeconds(60));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal([(byte)'x', 0xfe, (byte)'\n'], r.Stdout);
        }
        finally
        {
            Support.RawProcess.Run("/bin/rm", ["-rf", directory], TimeSpan.FromSeconds(30)); // .NET cannot name the entry
        }
    }

    [Fact]
    public void Runner_descriptor_numbers_are_reserved_and_distinct()
    {
        Assert.True(RunnerDescriptors.IsReserved(RunnerDescriptors.Handoff));
        Assert.True(RunnerDescriptors.IsReserved(RunnerDescriptors.Trace));
        Assert.NotEqual(RunnerDescriptors.Handoff, RunnerDescriptors.Trace);
        Assert.False(RunnerDescriptors.IsReserved(2));
        Assert.True(RunnerDescriptors.Handoff >= Fs.FdTable.Limit - 24, "far above the descriptors a runtime opens at startup");
    }
}
