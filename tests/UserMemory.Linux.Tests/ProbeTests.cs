using System.Collections.Generic;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// The C probes pass hostile pointers to system calls and print each return value and errno; natively and under the
/// runner the output must be identical, and a few answers are pinned to Linux's exact values.
/// </summary>
public sealed class ProbeTests
{
    public static IEnumerable<object[]> ProbeNames() =>
    [
        ["write_read_faults"],
        ["path_faults"],
        ["iovec_faults"],
        ["struct_faults"],
        ["segfault"],
        ["write_readonly_memory"],
        ["mmap_file"],
        ["hostile_memory"],
    ];

    [ProbeTheory]
    [MemberData(nameof(ProbeNames))]
    public void Probe_prints_the_same_results_natively_and_under_the_runner(string probe)
    {
        string exe = Probes.Get(probe);
        ProcessResult native = HostProcess.Run(exe, []);
        ProcessResult emulated = HostProcess.RunUnderRunner([exe]);
        Assert.Equal(native.ToString(), emulated.ToString());
    }

    [ProbeTheory]
    [InlineData("write_read_faults", "write_unmapped ret=-1 errno=14")]
    [InlineData("write_read_faults", "write_partly_mapped ret=5 errno=0")]
    [InlineData("write_read_faults", "read_into_readonly ret=-1 errno=14")]
    [InlineData("write_read_faults", "read_partly_mapped ret=3 errno=0")]
    [InlineData("write_read_faults", "offset_after_partial_read ret=3 errno=0")]
    [InlineData("write_read_faults", "read_null_zero_len ret=0 errno=0")]
    [InlineData("path_faults", "open_path_into_hole ret=-1 errno=14")]
    [InlineData("path_faults", "open_path_4096 ret=-1 errno=36")]
    [InlineData("path_faults", "open_empty_path ret=-1 errno=2")]
    [InlineData("path_faults", "stat_straddling_hole ret=-1 errno=14")]
    [InlineData("iovec_faults", "writev_1025 ret=-1 errno=22")]
    [InlineData("iovec_faults", "writev_good_then_bad ret=8 errno=0")]
    [InlineData("iovec_faults", "readv_then_readonly ret=4 errno=0")]
    [InlineData("struct_faults", "clock_gettime_null ret=-1 errno=14")]
    [InlineData("struct_faults", "uname_readonly ret=-1 errno=14")]
    [InlineData("struct_faults", "wait4_null_status_matches_pid ret=0 errno=0")]
    [InlineData("struct_faults", "execve_bad_argv_element ret=-1 errno=14")]
    [InlineData("struct_faults", "execve_arg_too_long ret=-1 errno=7")]
    public void Runner_gives_Linux_answer(string probe, string expectedLine)
    {
        ProcessResult emulated = HostProcess.RunUnderRunner([Probes.Get(probe)]);
        Assert.Contains(expectedLine + "\n", emulated.Stdout, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Static_pie_runs_at_the_chosen_base()
    {
        string exe = Probes.GetStaticPie("static_pie");
        ProcessResult native = HostProcess.Run(exe, ["arg"]);
        ProcessResult emulated = HostProcess.RunUnderRunner([exe, "arg"]);
        Assert.Equal("pie main=set counter=42 argc=2 argv1=arg heap_last=z\n", native.Stdout);
        Assert.Equal(native.ToString(), emulated.ToString());
        Assert.Equal(5, emulated.ExitCode);
    }

    [ProbeTheory]
    [InlineData("mmap_file", "private write stays private: X3456 23456")]
    [InlineData("mmap_file", "read_at_eof_into_readonly ret=0 errno=0")]
    [InlineData("mmap_file", "read_data_into_readonly ret=-1 errno=14")]
    [InlineData("mmap_file", "after mremap: keep me")]
    [InlineData("mmap_file", "brk_grow ret=0 errno=0")]
    public void Memory_syscalls_give_Linux_answers(string probe, string expectedLine)
    {
        ProcessResult emulated = HostProcess.RunUnderRunner([Probes.Get(probe)]);
        Assert.Contains(expectedLine + "\n", emulated.Stdout, System.StringComparison.Ordinal);
    }

    [ProbeTheory]
    [InlineData("segfault", "before\n")]
    [InlineData("write_readonly_memory", "mapped\n")]
    public void Faulting_program_dies_by_SIGSEGV_after_its_output(string probe, string output)
    {
        ProcessResult emulated = HostProcess.RunUnderRunner([Probes.Get(probe)]);
        Assert.Equal(139, emulated.ExitCode);
        Assert.Equal(output, emulated.Stdout);
    }
}
