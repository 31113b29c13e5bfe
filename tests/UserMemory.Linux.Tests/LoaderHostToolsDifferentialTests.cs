using System.Collections.Generic;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// The busybox differential extended to dynamically linked host tools (issue 11): a busybox shell under the runner
/// starts dash (<c>/bin/sh</c>), bash, perl, coreutils and gzip through guest execve, directly, from awk's pipes and
/// as <c>#!</c> interpreters. Standard output, standard error and the exit status must match a native run.
/// </summary>
public sealed class LoaderHostToolsDifferentialTests : IClassFixture<BusyboxFixture>
{
    private const string Busybox = "/bin/busybox";
    private readonly BusyboxFixture _fixture;

    public LoaderHostToolsDifferentialTests(BusyboxFixture fixture) => _fixture = fixture;

    /// <summary>The cases: a name and the busybox shell command.</summary>
    public static IEnumerable<object[]> Cases() =>
    [
        ["dash_c", "/bin/dash -c 'echo $((6*7)); printf \"%s\\n\" \"$0\"; exit 5'; echo rc=$?"],
        ["sh_is_dash", "/bin/sh -c 'x=$(echo sub); echo \"$x\" | /usr/bin/tr a-z A-Z'"],
        ["bash_arrays", "/bin/bash -c 'a=(x y z); echo ${#a[@]} ${a[1]}; exit 3'; echo rc=$?"],
        ["perl_e", "/usr/bin/perl -e 'print join(\",\", map { $_ * 2 } 1..5), \"\\n\"'"],
        ["awk_pipe_to_host_sort", "awk '{ print $1 | \"/usr/bin/sort -r\" }' data.txt"],
        ["tar_czf_through_host_gzip", "tar czf - data.txt nums.txt | /usr/bin/gzip -dc | tar tf -"],
        ["host_gzip_round_trip", "/usr/bin/gzip -c data.txt | /usr/bin/gzip -dc | md5sum"],
        ["host_ls_and_wc", "/bin/ls -la sub | /usr/bin/wc -l; /bin/ls /nonexistent-dir; echo rc=$?"],
        ["dash_script", "d=$(mktemp -d) && printf '#!/bin/dash\\necho script \"$#\" \"$1\"\\nexit 4\\n' > $d/s && chmod +x $d/s && $d/s one two; echo rc=$?; rm -r $d"],
        ["env_sh_script", "d=$(mktemp -d) && printf '#!/usr/bin/env sh\\necho via env \"$1\"\\n' > $d/s && chmod +x $d/s && $d/s arg; rm -r $d"],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dynamic_host_tool_behaves_as_natively(string name, string command)
    {
        _ = name;
        ProcessResult native = HostProcess.Run(Busybox, ["sh", "-c", command], null, _fixture.WorkDir);
        ProcessResult emulated = HostProcess.RunUnderRunner(["--", Busybox, "sh", "-c", command], null, _fixture.WorkDir);
        Assert.Equal(native.ToString(), emulated.ToString());
    }
}
