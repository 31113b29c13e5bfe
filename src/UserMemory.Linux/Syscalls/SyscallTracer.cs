using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// strace-style output: one line per syscall on the runner's standard error, e.g.
/// <c>openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3</c> or <c>write(1, "hello\n", 6) = 6</c>, errors as
/// <c>= -1 EFAULT (Bad address)</c>. Strings and buffers are read from guest memory with the core's copies and cut at
/// 32 characters like strace's default.
/// </summary>
public sealed class SyscallTracer
{
    private const int StringLimit = 32;
    private static readonly Dictionary<long, (string Name, string Kinds)> Table = BuildTable();
    private readonly GuestProcess _process;
    private readonly string _prefix;

    /// <summary>Creates a tracer for <paramref name="process"/>.</summary>
    /// <param name="process">The traced process.</param>
    public SyscallTracer(GuestProcess process)
    {
        _process = process ?? throw new ArgumentNullException(nameof(process));
        _prefix = process.Options.TracePidPrefix ? "[pid " + process.Pid.ToString(CultureInfo.InvariantCulture) + "] " : string.Empty;
    }

    private long _pendingNr = -1;
    private string _pendingArgs = string.Empty;

    /// <summary>Records a syscall's arguments before it runs (paths and input buffers are read now).</summary>
    /// <param name="nr">The number.</param>
    /// <param name="a">The arguments.</param>
    public void Begin(long nr, ReadOnlySpan<ulong> a)
    {
        _pendingNr = nr;
        _pendingArgs = FormatArguments(nr, a, null);
    }

    /// <summary>Prints the line for a finished syscall.</summary>
    /// <param name="nr">The number.</param>
    /// <param name="a">The arguments.</param>
    /// <param name="result">The result or <c>-errno</c>.</param>
    public void End(long nr, ReadOnlySpan<ulong> a, long result)
    {
        string args = NeedsResult(nr) ? FormatArguments(nr, a, result) : _pendingArgs;
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

        Emit("+++ killed by " + Signals.Name(signal) + " +++");
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

        return nr is 9 or 12 or 25 ? "0x" + result.ToString("x", CultureInfo.InvariantCulture) : result.ToString(CultureInfo.InvariantCulture);
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

    private static string NameOf(long nr) => Table.TryGetValue(nr, out var e) ? e.Name : "syscall_" + nr.ToString(CultureInfo.InvariantCulture);

    private static bool NeedsResult(long nr) => Table.TryGetValue(nr, out var e) && (e.Kinds.Contains('r', StringComparison.Ordinal) || e.Kinds.Contains('P', StringComparison.Ordinal) || e.Kinds.Contains('c', StringComparison.Ordinal));

    private string FormatArguments(long nr, ReadOnlySpan<ulong> a, long? result)
    {
        if (!Table.TryGetValue(nr, out var entry))
        {
            return Pointer(a[0]) + ", " + Pointer(a[1]) + ", " + Pointer(a[2]);
        }

        var parts = new List<string>();
        string kinds = entry.Kinds;
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
                'p' => String(v),
                'w' => Buffer(v, (long)Math.Min(a[i + 1], 4096)),
                'r' => result is long r && r >= 0 ? Buffer(v, r) : Pointer(v),
                'c' => result is long c && c >= 0 ? String(v) : Pointer(v),
                'o' => OpenFlags(v),
                'm' => "0" + Convert.ToString((long)v & 0xFFF, 8),
                'v' => Array(v, false),
                'e' => Array(v, true),
                's' => Signals.Name((int)v),
                'P' => result is long q && q >= 0 ? Pair(v) : Pointer(v),
                _ => Pointer(v),
            };
            if ((nr is 2 && i == 2 && (a[1] & 0x40) == 0) || (nr is 257 && i == 3 && (a[2] & 0x40) == 0))
            {
                continue; // the mode only matters with O_CREAT
            }

            parts.Add(text);
        }

        return string.Join(", ", parts);
    }

    private string String(ulong address)
    {
        if (address == 0)
        {
            return "NULL";
        }

        byte[]? bytes = _process.PeekBytes(address, StringLimit + 1);
        if (bytes is null)
        {
            return Pointer(address);
        }

        int nul = System.Array.IndexOf(bytes, (byte)0);
        return nul >= 0 ? Quote(bytes[..nul], address, false) : Quote(bytes[..Math.Min(bytes.Length, StringLimit)], address, true);
    }

    private string Buffer(ulong address, long length)
    {
        if (length <= 0)
        {
            return "\"\"";
        }

        byte[]? bytes = _process.PeekBytes(address, (int)Math.Min(length, StringLimit));
        return Quote(bytes, address, length > StringLimit);
    }

    private string Array(ulong address, bool environment)
    {
        if (address == 0)
        {
            return "NULL";
        }

        var items = new List<string>();
        for (ulong i = 0; i < 64; i++)
        {
            if (_process.ReadU64(address + (i * 8), out ulong p) < 0)
            {
                return Pointer(address);
            }

            if (p == 0)
            {
                break;
            }

            items.Add(String(p));
        }

        return environment
            ? Pointer(address) + " /* " + items.Count.ToString(CultureInfo.InvariantCulture) + " vars */"
            : "[" + string.Join(", ", items) + "]";
    }

    private string Pair(ulong address)
    {
        byte[]? b = _process.PeekBytes(address, 8);
        return b is { Length: 8 } ? "[" + BitConverter.ToInt32(b, 0).ToString(CultureInfo.InvariantCulture) + ", " + BitConverter.ToInt32(b, 4).ToString(CultureInfo.InvariantCulture) + "]" : Pointer(address);
    }

    private void Emit(string line) => HostLinux.WriteAll(2, Encoding.UTF8.GetBytes(_prefix + line + "\n"));

    private static Dictionary<long, (string, string)> BuildTable() => new()
    {
        [0] = ("read", "fru"), [1] = ("write", "fwu"), [2] = ("open", "pom"), [3] = ("close", "f"),
        [4] = ("stat", "p*"), [5] = ("fstat", "f*"), [6] = ("lstat", "p*"), [7] = ("poll", "*ui"), [8] = ("lseek", "fDd"),
        [9] = ("mmap", "*uxxfx"), [10] = ("mprotect", "*ux"), [11] = ("munmap", "*u"), [12] = ("brk", "*"),
        [13] = ("rt_sigaction", "s**u"), [14] = ("rt_sigprocmask", "d**u"), [15] = ("rt_sigreturn", string.Empty),
        [16] = ("ioctl", "fx*"), [17] = ("pread64", "fruD"), [18] = ("pwrite64", "fwuD"), [19] = ("readv", "f*u"),
        [20] = ("writev", "f*u"), [21] = ("access", "pd"), [22] = ("pipe", "P"), [23] = ("select", "d****"),
        [24] = ("sched_yield", string.Empty), [25] = ("mremap", "*uux*"), [28] = ("madvise", "*ud"), [32] = ("dup", "f"),
        [33] = ("dup2", "fd"), [35] = ("nanosleep", "**"), [37] = ("alarm", "u"), [39] = ("getpid", string.Empty),
        [40] = ("sendfile", "ff*u"), [56] = ("clone", "x****"), [57] = ("fork", string.Empty), [58] = ("vfork", string.Empty),
        [59] = ("execve", "pve"), [60] = ("exit", "d"), [61] = ("wait4", "d*x*"), [62] = ("kill", "ds"), [63] = ("uname", "*"),
        [72] = ("fcntl", "fdx"), [73] = ("flock", "fd"), [74] = ("fsync", "f"), [77] = ("ftruncate", "fD"),
        [79] = ("getcwd", "cu"), [80] = ("chdir", "p"), [81] = ("fchdir", "f"), [82] = ("rename", "pp"), [83] = ("mkdir", "pm"),
        [84] = ("rmdir", "p"), [85] = ("creat", "pm"), [86] = ("link", "pp"), [87] = ("unlink", "p"), [88] = ("symlink", "pp"),
        [89] = ("readlink", "p*u"), [90] = ("chmod", "pm"), [91] = ("fchmod", "fm"), [92] = ("chown", "pdd"),
        [95] = ("umask", "m"), [96] = ("gettimeofday", "**"), [97] = ("getrlimit", "d*"), [98] = ("getrusage", "d*"),
        [99] = ("sysinfo", "*"), [100] = ("times", "*"), [102] = ("getuid", string.Empty), [104] = ("getgid", string.Empty),
        [107] = ("geteuid", string.Empty), [108] = ("getegid", string.Empty), [109] = ("setpgid", "dd"),
        [110] = ("getppid", string.Empty), [111] = ("getpgrp", string.Empty), [112] = ("setsid", string.Empty),
        [115] = ("getgroups", "d*"), [121] = ("getpgid", "d"), [124] = ("getsid", "d"), [131] = ("sigaltstack", "**"),
        [137] = ("statfs", "p*"), [138] = ("fstatfs", "f*"), [157] = ("prctl", "dx"), [158] = ("arch_prctl", "x*"),
        [186] = ("gettid", string.Empty), [200] = ("tkill", "ds"), [201] = ("time", "*"), [202] = ("futex", "*dd"),
        [204] = ("sched_getaffinity", "du*"), [217] = ("getdents64", "f*u"), [218] = ("set_tid_address", "*"),
        [228] = ("clock_gettime", "d*"), [229] = ("clock_getres", "d*"), [230] = ("clock_nanosleep", "dx**"),
        [231] = ("exit_group", "d"), [234] = ("tgkill", "dds"), [257] = ("openat", "Fpom"), [258] = ("mkdirat", "Fpm"),
        [260] = ("fchownat", "Fpddx"), [262] = ("newfstatat", "Fp*x"), [263] = ("unlinkat", "Fpx"), [264] = ("renameat", "FpFp"),
        [265] = ("linkat", "FpFpx"), [266] = ("symlinkat", "pFp"), [267] = ("readlinkat", "Fp*u"), [268] = ("fchmodat", "Fpm"),
        [269] = ("faccessat", "Fpd"), [270] = ("pselect6", "d*****"), [271] = ("ppoll", "*u**u"), [273] = ("set_robust_list", "*u"),
        [280] = ("utimensat", "Fp*x"), [292] = ("dup3", "fdx"), [293] = ("pipe2", "Px"), [302] = ("prlimit64", "dd**"),
        [316] = ("renameat2", "FpFpx"), [318] = ("getrandom", "*ux"), [332] = ("statx", "Fpxx*"), [334] = ("rseq", "*uxx"),
        [435] = ("clone3", "*u"), [439] = ("faccessat2", "Fpdx"),
    };
}
