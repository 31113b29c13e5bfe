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
            "\xff\xfeNAME=v"u8.ToArray(),
        ];
        byte[][] env = CleanEnvironment.Build(own);
        Assert.Equal(["DOTNET_ROOT=/usr/share/dotnet\0"u8.ToArray(), "DOTNET_EnableDiagnostics=0\0"u8.ToArray()], env);
        Assert.Equal(["DOTNET_EnableDiagnostics=0\0"u8.ToArray()], CleanEnvironment.Build([]));
    }

    [Fact]
    public void Raw_command_line_splits_on_NUL_and_keeps_every_byte()
    {
        byte[][] parts = RawCommandLine.Split("run\0a\x80\xff\0\0z"u8);
        Assert.Equal(["run"u8.ToArray(), "a\x80\xff"u8.ToArray(), [], "z"u8.ToArray()], parts);
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
        byte[] relative = "x\xff/y"u8.ToArray();
        byte[] absolute = ProgramPath.Absolute(relative);
        Assert.Equal((byte)'/', absolute[0]);
        Assert.True(absolute.AsSpan().EndsWith("/x\xff/y"u8));
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
    public void Runner_descriptor_numbers_are_reserved_and_distinct()
    {
        Assert.True(RunnerDescriptors.IsReserved(RunnerDescriptors.Handoff));
        Assert.True(RunnerDescriptors.IsReserved(RunnerDescriptors.Trace));
        Assert.NotEqual(RunnerDescriptors.Handoff, RunnerDescriptors.Trace);
        Assert.False(RunnerDescriptors.IsReserved(2));
        Assert.True(RunnerDescriptors.Handoff >= Fs.FdTable.Limit - 24, "far above the descriptors a runtime opens at startup");
    }
}
