using System.Collections.Generic;
using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests;

/// <summary>
/// Busybox applets run natively (<c>/bin/busybox sh -c CMD</c>) and under the runner; standard output, standard
/// error and the exit status must be identical.
/// </summary>
public sealed class BusyboxDifferentialTests : IClassFixture<BusyboxFixture>
{
    private const string Busybox = "/bin/busybox";
    private readonly BusyboxFixture _fixture;

    public BusyboxDifferentialTests(BusyboxFixture fixture) => _fixture = fixture;

    /// <summary>The cases: a name, the shell command, and standard input (null for none).</summary>
    public static IEnumerable<object?[]> Cases() =>
    [
        ["echo", "echo hello world", null],
        ["printf", "printf '%s-%d-%x\\n' abc 42 255", null],
        ["exit_status", "exit 7", null],
        ["false_status", "false; echo $?", null],
        ["subshell_exit", "(exit 4); echo status=$?", null],
        ["command_substitution", "echo $(echo nested $(echo deep))", null],
        ["arithmetic", "i=0; while [ $i -lt 25 ]; do i=$((i+1)); done; echo $i $((7*6))", null],
        ["function_return", "f() { echo arg:$1; return 3; }; f x; echo rc=$?", null],
        ["case_statement", "for w in apple kiwi; do case $w in a*) echo A;; *) echo other;; esac; done", null],
        ["pipeline_wc", "ls / | wc -l", null],
        ["pipeline_three_stages", "cat data.txt | sort | head -1", null],
        ["ls_la", "ls -la", null],
        ["ls_recursive", "ls -R sub", null],
        ["find_sorted", "find . | sort", null],
        ["find_type_name", "find . -type f -name '*.txt' | sort", null],
        ["sort", "sort data.txt", null],
        ["sort_numeric_reverse", "sort -n -r nums.txt", null],
        ["sort_uniq_count", "sort data.txt | uniq -c", null],
        ["md5sum", "md5sum data.txt nums.txt", null],
        ["sha256sum", "sha256sum data.txt", null],
        ["sed_print_range", "sed -n '2,3p' data.txt", null],
        ["sed_substitute", "sed 's/an/AN/g' data.txt", null],
        ["awk_sum", "awk '{ s += $1 } END { print s, NR }' nums.txt", null],
        ["awk_fields", "awk -F: '{ print $1 }' /etc/passwd | head -3", null],
        ["grep_count", "grep -c an data.txt", null],
        ["grep_no_match_status", "grep -n zzz data.txt; echo rc=$?", null],
        ["dd_blocks", "dd if=data.txt bs=4 count=2 2>/dev/null", null],
        ["dd_zero_od", "dd if=/dev/zero bs=512 count=4 2>/dev/null | od -A d -t x1 | tail -2", null],
        ["head", "head -n 2 data.txt", null],
        ["tail", "tail -n 2 data.txt", null],
        ["od_binary", "od -A x -t x1z binary.bin", null],
        ["stat_format", "stat -c '%s %F %a' data.txt sub", null],
        ["wc", "wc data.txt nums.txt", null],
        ["cat_stdin_redirect", "cat < data.txt | tr a-z A-Z", null],
        ["read_stdin_loop", "while read line; do echo \"<$line>\"; done", "first\nsecond line\nthird\n"],
        ["stdin_to_sort", "sort -r", "b\na\nc\n"],
        ["xargs", "echo a b c | xargs -n1 echo item", null],
        ["cut_passwd", "cut -d: -f1,3 /etc/passwd | head -2", null],
        ["basename_dirname", "basename /usr/lib/x.so .so; dirname /usr/lib/x.so", null],
        ["expr_test", "expr 3 \\* 4; test -f data.txt && echo file; [ -d sub ] && echo dir", null],
        ["gzip_round_trip", "cat data.txt | gzip -c | gunzip -c | md5sum", null],
        ["mkdir_mv_rm", "d=$(mktemp -d) && cd $d && mkdir a && echo x > a/f && mv a/f a/g && ls a && cat a/g && rm -r a && ls -A; cd / && rmdir $d && echo gone", null],
        ["symlink_readlink", "d=$(mktemp -d) && ln -s /etc/passwd $d/l && readlink $d/l && rm -r $d", null],
        ["redirect_append", "d=$(mktemp -d) && echo one > $d/f && echo two >> $d/f && cat $d/f && rm -r $d", null],
        ["stderr_redirect", "ls /nonexistent-dir 2>&1; echo rc=$?", null],
        ["cat_missing_file", "cat /nonexistent-file", null],
        ["command_not_found", "nosuchcommand-xyz", null],
        ["kill_self_segv", "kill -SEGV $$", null],
        ["kill_self_term", "kill -TERM $$", null],
        ["child_killed_status", "sh -c 'kill -SEGV $$'; echo child=$?", null],
        ["sigpipe_in_pipeline", "(yes; echo yes-status=$? >&2) | head -2", null],
        ["cd_pwd", "cd /etc && pwd && cd - >/dev/null && pwd", null],
        ["cwd_follows_rename", "d=$(mktemp -d) && mkdir -p $d/a/b/c && cd $d/a/b && mv $d/a $d/z && cd c && pwd -P | sed \"s|^$d||\" && echo x > f && cat $d/z/b/c/f && cd / && rm -r $d", null],
        ["env_passthrough", "env | grep -c '^LC_ALL=C$'", null],
        ["uname_machine", "uname -m", null],
        ["id_numeric", "id -u; id -g", null],
        ["here_document", "cat <<EOF\nline $((1+1))\nEOF", null],
        ["seq_tac", "seq 1 5 | tac | tr '\\n' ' '", null],
        ["background_wait", "sleep 0.1 & wait $!; echo waited=$?", null],
        ["trap_term_from_child", "trap 'echo caught TERM' TERM; sh -c 'kill -TERM $PPID'; echo after=$?", null],
        ["trap_ignored_hup_from_child", "trap '' HUP; sh -c 'kill -HUP $PPID'; echo alive", null],
        ["trap_usr1_interrupts_wait", "trap 'echo got USR1' USR1; (sleep 0.3; kill -USR1 $$) & wait; echo wait=$?", null],
        ["trap_exit_on_term", "trap 'echo bye; exit 3' TERM; sh -c 'kill -TERM $PPID'; echo not reached", null],
        ["wait_two_children", "sleep 0.1 & sleep 0.2 & wait; echo all=$?", null],
        ["sleep_killed_by_other_process", "sleep 5 & p=$!; (sleep 0.3; kill -TERM $p) & wait $p; echo status=$?", null],
        ["trap_interrupts_blocking_read", "d=$(mktemp -d); mkfifo $d/f; exec 3<>$d/f; trap 'echo got ALRM' ALRM; (sleep 0.3; kill -ALRM $$) & read x <&3; echo read=$?; wait; rm -r $d", null],
        ["sleep_interrupted_by_trapped_signal", "trap 'echo got USR1' USR1; (sleep 0.3; kill -USR1 $$) & sleep 4; echo after=$?; wait", null],
        ["trap_in_child_interrupts_wait", "d=$(mktemp -d); sh -c \"trap 'echo child got USR1; exit 5' USR1; touch $d/ready; sleep 5 </dev/null >/dev/null 2>&1 & wait\" & p=$!; while [ ! -e $d/ready ]; do sleep 0.05; done; kill -USR1 $p; wait $p; echo status=$?; rm -r $d", null],
        // comm: the last component of the path execve was given (a link's name, not its target; a script's name, not
        // its interpreter's), as another process reads it from /proc/PID/comm (busybox ash_test ash-comm).
        ["comm_of_script_and_link", "d=$(mktemp -d); printf '#!/bin/busybox sh\\ncat /proc/$$/comm\\n' > $d/SCRIPT.sh; chmod +x $d/SCRIPT.sh; $d/SCRIPT.sh; (exec $d/SCRIPT.sh); ln -s /bin/busybox $d/ash; $d/ash -c 'cat /proc/$$/comm; sed -n 1p /proc/$$/status; cut -d\" \" -f2 /proc/$$/stat'; rm -r $d", null],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Applet_behaves_as_natively(string name, string command, string? stdin)
    {
        _ = name;
        ProcessResult native = HostProcess.Run(Busybox, ["sh", "-c", command], stdin, _fixture.WorkDir);
        ProcessResult emulated = HostProcess.RunUnderRunner(["--", Busybox, "sh", "-c", command], stdin, _fixture.WorkDir);
        Assert.Equal(native.ToString(), emulated.ToString());
    }

    [Fact]
    public void Applet_invoked_directly_behaves_as_natively()
    {
        ProcessResult native = HostProcess.Run(Busybox, ["ls", "-la", "sub"], null, _fixture.WorkDir);
        ProcessResult emulated = HostProcess.RunUnderRunner([Busybox, "ls", "-la", "sub"], null, _fixture.WorkDir);
        Assert.Equal(native.ToString(), emulated.ToString());
    }

    [Fact]
    public void Segfaulting_program_dies_by_SIGSEGV()
    {
        ProcessResult native = HostProcess.Run(Busybox, ["sh", "-c", "sh -c 'kill -SEGV $$'; echo $?"]);
        Assert.Equal("139\n", native.Stdout);
        ProcessResult emulated = HostProcess.RunUnderRunner([Busybox, "sh", "-c", "sh -c 'kill -SEGV $$'; echo $?"]);
        Assert.Equal("139\n", emulated.Stdout);
    }
}
