using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Tracing;

/// <summary>
/// strace-style output: one line per syscall on the runner's standard error, e.g.
/// <c>openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3</c> or <c>write(1, "hello\n", 6) = 6</c>, errors as
/// <c>= -1 EFAULT (Bad address)</c>. Strings and buffers are read from guest memory with the core's copies and cut at
/// 32 characters like strace's default.
/// </summary>
public sealed class SyscallTracer
{
    private const int StringLimit = 32;
    private static readonly Dictionary<long, string> Table = BuildTable();
    private readonly string _prefix;

    /// <summary>Creates the tracer of this host process.</summary>
    /// <param name="pidPrefix">Prefix lines with <c>[pid N]</c>.</param>
    /// <param name="pid">The pid printed.</param>
    public SyscallTracer(bool pidPrefix, int pid)
    {
        _prefix = pidPrefix ? "[pid " + pid.ToString(CultureInfo.InvariantCulture) + "] " : string.Empty;
    }

    private long _pendingNr = -1;
    private string _pendingArgs = string.Empty;

    /// <summary>Records a syscall's arguments before it runs (paths and input buffers are read now).</summary>
    /// <param name="task">The calling task (whose memory holds the strings).</param>
    /// <param name="nr">The number.</param>
    /// <param name="a">The arguments.</param>
    public void Begin(Task task, long nr, ReadOnlySpan<ulong> a)
    {
        _pendingNr = nr;
        _pendingArgs = FormatArguments(task, nr, a, null);
    }

    /// <summary>Prints the line for a finished syscall.</summary>
    /// <param name="task">The calling task.</param>
    /// <param name="nr">The number.</param>
    /// <param name="a">The arguments.</param>
    /// <param name="result">The result or <c>-errno</c>.</param>
    public void End(Task task, long nr, ReadOnlySpan<ulong> a, long result)
    {
        string args = NeedsResult(nr) ? FormatArguments(task, nr, a, result) : _pendingArgs;
        Emit(NameOf(nr) + "(" + args + ") = " + FormatResult(nr, result));
        _pendingNr = -1;
    }

    /// <summary>Prints the line of a successful execve (the process image is about to be replaced).</summary>
    public void ExecStarting()
    {
        if (_pendingNr >= 0)
        {
            Emit(NameOf(_pendingNr) + "(" + _pendingArgs + ") = 0");
        }
    }

    /// <summary>Prints the exit line.</summary>
    /// <param name="status">The exit status.</param>
    public void Exiting(int status)
    {
        if (_pendingNr >= 0)
        {
            Emit(NameOf(_pendingNr) + "(" + _pendingArgs + ") = ?");
        }

        Emit("+++ exited with " + (status & 0xff).ToString(CultureInfo.InvariantCulture) + " +++");
    }

    /// <summary>Prints the line for death by a signal.</summary>
    /// <param name="signal">The signal.</param>
    public void Killed(int signal)
    {
        if (_pendingNr >= 0)
        {
            Emit(NameOf(_pendingNr) + "(" + _pendingArgs + ") = ?");
            _pendingNr = -1;
        }

        Emit("+++ killed by " + SignalNumber.Name(signal) + " +++");
    }

    /// <summary>Formats a result as strace does: <c>-1 ENAME (message)</c> for errors, hex for addresses.</summary>
    /// <param name="nr">The syscall.</param>
    /// <param name="result">The raw result.</param>
    /// <returns>The text.</returns>
    public static string FormatResult(long nr, long result)
    {
        if (result < 0 && result > -4096)
        {
            var e = (LinuxError)(int)-result;
            return "-1 " + e.Name() + " (" + e.Message() + ")";
        }

        return nr is (long)SyscallNumber.Mmap or (long)SyscallNumber.Brk or (long)SyscallNumber.Mremap ? "0x" + result.ToString("x", CultureInfo.InvariantCulture) : result.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Quotes bytes the way strace prints a string: C escapes, at most 32 characters then <c>...</c>.</summary>
    /// <param name="bytes">The bytes (null: the pointer could not be read).</param>
    /// <param name="address">The pointer, printed when unreadable.</param>
    /// <param name="truncated">True when more bytes followed.</param>
    /// <returns>The text.</returns>
    public static string Quote(byte[]? bytes, ulong address, bool truncated)
    {
        if (bytes is null)
        {
            return Pointer(address);
        }

        var sb = new StringBuilder("\"");
        int n = Math.Min(bytes.Length, StringLimit);
        for (int i = 0; i < n; i++)
        {
            byte b = bytes[i];
            sb.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\r' => "\\r",
                (byte)'\f' => "\\f",
                (byte)'\v' => "\\v",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => "\\" + Convert.ToString(b, 8),
            });
        }

        sb.Append('"');
        if (truncated || bytes.Length > StringLimit)
        {
            sb.Append("...");
        }

        return sb.ToString();
    }

    /// <summary>Formats open(2) flags symbolically.</summary>
    /// <param name="flags">The flags.</param>
    /// <returns>E.g. <c>O_RDONLY|O_CLOEXEC</c>.</returns>
    public static string OpenFlags(ulong flags)
    {
        var parts = new List<string> { (flags & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", _ => "O_ACCMODE" } };
        (ulong Bit, string Name)[] names =
        [
            (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"),
            (0x800, "O_NONBLOCK"), (0x1000, "O_DSYNC"), (0x8000, "O_LARGEFILE"), (0x10000, "O_DIRECTORY"),
            (0x20000, "O_NOFOLLOW"), (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH"),
        ];
        ulong rest = flags & ~3UL;
        foreach ((ulong bit, string name) in names)
        {
            if ((rest & bit) != 0)
            {
                parts.Add(name);
                rest &= ~bit;
            }
        }

        if (rest != 0)
        {
            parts.Add("0x" + rest.ToString("x", CultureInfo.InvariantCulture));
        }

        return string.Join('|', parts);
    }

    private static string Pointer(ulong address) => address == 0 ? "NULL" : "0x" + address.ToString("x", CultureInfo.InvariantCulture);

    private static string NameOf(long nr) => SyscallTable.Lookup(nr)?.Name ?? SyscallNames.Of(nr) ?? "syscall_" + nr.ToString(CultureInfo.InvariantCulture);

    private static bool NeedsResult(long nr) => Table.TryGetValue(nr, out string? kinds) && (kinds.Contains('r', StringComparison.Ordinal) || kinds.Contains('P', StringComparison.Ordinal) || kinds.Contains('c', StringComparison.Ordinal));

    private static string FormatArguments(Task task, long nr, ReadOnlySpan<ulong> a, long? result)
    {
        if (!Table.TryGetValue(nr, out string? kinds))
        {
            return Pointer(a[0]) + ", " + Pointer(a[1]) + ", " + Pointer(a[2]);
        }

        var parts = new List<string>();
        for (int i = 0; i < kinds.Length && i < 6; i++)
        {
            ulong v = a[i];
            string text = kinds[i] switch
            {
                'd' or 'i' => ((int)v).ToString(CultureInfo.InvariantCulture),
                'D' => ((long)v).ToString(CultureInfo.InvariantCulture),
                'u' => v.ToString(CultureInfo.InvariantCulture),
                'x' => "0x" + v.ToString("x", CultureInfo.InvariantCulture),
                'f' => ((int)v).ToString(CultureInfo.InvariantCulture),
                'F' => (int)v == -100 ? "AT_FDCWD" : ((int)v).ToString(CultureInfo.InvariantCulture),
                'p' => String(task, v),
                'w' => Buffer(task, v, (long)Math.Min(a[i + 1], 4096)),
                'r' => result is long r && r >= 0 ? Buffer(task, v, r) : Pointer(v),
                'c' => result is long c && c >= 0 ? String(task, v) : Pointer(v),
                'o' => OpenFlags(v),
                'm' => "0" + Convert.ToString((long)v & 0xFFF, 8),
                'v' => Array(task, v, false),
                'e' => Array(task, v, true),
                's' => SignalNumber.Name((int)v),
                'P' => result is long q && q >= 0 ? Pair(task, v) : Pointer(v),
                _ => Pointer(v),
            };
            if ((nr is (long)SyscallNumber.Open && i == 2 && (a[1] & (ulong)Abi.OpenFlags.Create) == 0) || (nr is (long)SyscallNumber.Openat && i == 3 && (a[2] & (ulong)Abi.OpenFlags.Create) == 0))
            {
                continue; // the mode only matters with O_CREAT
            }

            parts.Add(text);
        }

        return string.Join(", ", parts);
    }

    private static string String(Task task, ulong address)
    {
        if (address == 0)
        {
            return "NULL";
        }

        byte[]? bytes = task.PeekBytes(address, StringLimit + 1);
        if (bytes is null)
        {
            return Pointer(address);
        }

        int nul = System.Array.IndexOf(bytes, (byte)0);
        return nul >= 0 ? Quote(bytes[..nul], address, false) : Quote(bytes[..Math.Min(bytes.Length, StringLimit)], address, true);
    }

    private static string Buffer(Task task, ulong address, long length)
    {
        if (length <= 0)
        {
            return "\"\"";
        }

        byte[]? bytes = task.PeekBytes(address, (int)Math.Min(length, StringLimit));
        return Quote(bytes, address, length > StringLimit);
    }

    private static string Array(Task task, ulong address, bool environment)
    {
        if (address == 0)
        {
            return "NULL";
        }

        var items = new List<string>();
        for (ulong i = 0; i < 64; i++)
        {
            if (task.ReadU64(address + (i * 8), out ulong p) < 0)
            {
                return Pointer(address);
            }

            if (p == 0)
            {
                break;
            }

            items.Add(String(task, p));
        }

        return environment
            ? Pointer(address) + " /* " + items.Count.ToString(CultureInfo.InvariantCulture) + " vars */"
            : "[" + string.Join(", ", items) + "]";
    }

    private static string Pair(Task task, ulong address)
    {
        byte[]? b = task.PeekBytes(address, 8);
        return b is { Length: 8 } ? "[" + BitConverter.ToInt32(b, 0).ToString(CultureInfo.InvariantCulture) + ", " + BitConverter.ToInt32(b, 4).ToString(CultureInfo.InvariantCulture) + "]" : Pointer(address);
    }

    private void Emit(string line) => TraceOutput.Write(Encoding.UTF8.GetBytes(_prefix + line + "\n"));

    /// <summary>How to print each syscall's arguments (names come from the syscall table): one letter per argument,
    /// d/i int, D long, u unsigned, x hex, f fd, F dirfd, p path, w written buffer, r read buffer, c string result,
    /// o open flags, m mode, v argv, e envp, s signal, P fd pair, * pointer.</summary>
    private static Dictionary<long, string> BuildTable() => new()
    {
        [(long)SyscallNumber.Read] = "fru", [(long)SyscallNumber.Write] = "fwu", [(long)SyscallNumber.Open] = "pom", [(long)SyscallNumber.Close] = "f",
        [(long)SyscallNumber.Stat] = "p*", [(long)SyscallNumber.Fstat] = "f*", [(long)SyscallNumber.Lstat] = "p*", [(long)SyscallNumber.Poll] = "*ui", [(long)SyscallNumber.Lseek] = "fDd",
        [(long)SyscallNumber.Mmap] = "*uxxfx", [(long)SyscallNumber.Mprotect] = "*ux", [(long)SyscallNumber.Munmap] = "*u", [(long)SyscallNumber.Brk] = "*",
        [(long)SyscallNumber.RtSigaction] = "s**u", [(long)SyscallNumber.RtSigprocmask] = "d**u", [(long)SyscallNumber.RtSigreturn] = string.Empty,
        [(long)SyscallNumber.Ioctl] = "fx*", [(long)SyscallNumber.Pread64] = "fruD", [(long)SyscallNumber.Pwrite64] = "fwuD", [(long)SyscallNumber.Readv] = "f*u",
        [(long)SyscallNumber.Writev] = "f*u", [(long)SyscallNumber.Access] = "pd", [(long)SyscallNumber.Pipe] = "P", [(long)SyscallNumber.Select] = "d****",
        [(long)SyscallNumber.SchedYield] = string.Empty, [(long)SyscallNumber.Mremap] = "*uux*", [(long)SyscallNumber.Madvise] = "*ud", [(long)SyscallNumber.Dup] = "f",
        [(long)SyscallNumber.Dup2] = "fd", [(long)SyscallNumber.Nanosleep] = "**", [(long)SyscallNumber.Alarm] = "u", [(long)SyscallNumber.Getpid] = string.Empty,
        [(long)SyscallNumber.Sendfile] = "ff*u", [(long)SyscallNumber.Clone] = "x****", [(long)SyscallNumber.Fork] = string.Empty, [(long)SyscallNumber.Vfork] = string.Empty,
        [(long)SyscallNumber.Execve] = "pve", [(long)SyscallNumber.Exit] = "d", [(long)SyscallNumber.Wait4] = "d*x*", [(long)SyscallNumber.Kill] = "ds", [(long)SyscallNumber.Uname] = "*",
        [(long)SyscallNumber.Fcntl] = "fdx", [(long)SyscallNumber.Flock] = "fd", [(long)SyscallNumber.Fsync] = "f", [(long)SyscallNumber.Ftruncate] = "fD",
        [(long)SyscallNumber.Getcwd] = "cu", [(long)SyscallNumber.Chdir] = "p", [(long)SyscallNumber.Fchdir] = "f", [(long)SyscallNumber.Rename] = "pp", [(long)SyscallNumber.Mkdir] = "pm",
        [(long)SyscallNumber.Rmdir] = "p", [(long)SyscallNumber.Creat] = "pm", [(long)SyscallNumber.Link] = "pp", [(long)SyscallNumber.Unlink] = "p", [(long)SyscallNumber.Symlink] = "pp",
        [(long)SyscallNumber.Readlink] = "p*u", [(long)SyscallNumber.Chmod] = "pm", [(long)SyscallNumber.Fchmod] = "fm", [(long)SyscallNumber.Chown] = "pdd",
        [(long)SyscallNumber.Umask] = "m", [(long)SyscallNumber.Gettimeofday] = "**", [(long)SyscallNumber.Getrlimit] = "d*", [(long)SyscallNumber.Getrusage] = "d*",
        [(long)SyscallNumber.Sysinfo] = "*", [(long)SyscallNumber.Times] = "*", [(long)SyscallNumber.Getuid] = string.Empty, [(long)SyscallNumber.Getgid] = string.Empty,
        [(long)SyscallNumber.Geteuid] = string.Empty, [(long)SyscallNumber.Getegid] = string.Empty, [(long)SyscallNumber.Setpgid] = "dd",
        [(long)SyscallNumber.Getppid] = string.Empty, [(long)SyscallNumber.Getpgrp] = string.Empty, [(long)SyscallNumber.Setsid] = string.Empty,
        [(long)SyscallNumber.Getgroups] = "d*", [(long)SyscallNumber.Getpgid] = "d", [(long)SyscallNumber.Getsid] = "d", [(long)SyscallNumber.Sigaltstack] = "**",
        [(long)SyscallNumber.Statfs] = "p*", [(long)SyscallNumber.Fstatfs] = "f*", [(long)SyscallNumber.Prctl] = "dx", [(long)SyscallNumber.ArchPrctl] = "x*",
        [(long)SyscallNumber.Gettid] = string.Empty, [(long)SyscallNumber.Tkill] = "ds", [(long)SyscallNumber.Time] = "*", [(long)SyscallNumber.Futex] = "*dd",
        [(long)SyscallNumber.SchedGetaffinity] = "du*", [(long)SyscallNumber.Getdents64] = "f*u", [(long)SyscallNumber.SetTidAddress] = "*",
        [(long)SyscallNumber.ClockGettime] = "d*", [(long)SyscallNumber.ClockGetres] = "d*", [(long)SyscallNumber.ClockNanosleep] = "dx**",
        [(long)SyscallNumber.ExitGroup] = "d", [(long)SyscallNumber.Tgkill] = "dds", [(long)SyscallNumber.Openat] = "Fpom", [(long)SyscallNumber.Mkdirat] = "Fpm",
        [(long)SyscallNumber.Fchownat] = "Fpddx", [(long)SyscallNumber.Newfstatat] = "Fp*x", [(long)SyscallNumber.Unlinkat] = "Fpx", [(long)SyscallNumber.Renameat] = "FpFp",
        [(long)SyscallNumber.Linkat] = "FpFpx", [(long)SyscallNumber.Symlinkat] = "pFp", [(long)SyscallNumber.Readlinkat] = "Fp*u", [(long)SyscallNumber.Fchmodat] = "Fpm",
        [(long)SyscallNumber.Faccessat] = "Fpd", [(long)SyscallNumber.Pselect6] = "d*****", [(long)SyscallNumber.Ppoll] = "*u**u", [(long)SyscallNumber.SetRobustList] = "*u",
        [(long)SyscallNumber.Utimensat] = "Fp*x", [(long)SyscallNumber.Dup3] = "fdx", [(long)SyscallNumber.Pipe2] = "Px", [(long)SyscallNumber.Prlimit64] = "dd**",
        [(long)SyscallNumber.Renameat2] = "FpFpx", [(long)SyscallNumber.Getrandom] = "*ux", [(long)SyscallNumber.Statx] = "Fpxx*", [(long)SyscallNumber.Rseq] = "*uxx",
        [(long)SyscallNumber.Clone3] = "*u", [(long)SyscallNumber.Faccessat2] = "Fpdx",
    };
}
