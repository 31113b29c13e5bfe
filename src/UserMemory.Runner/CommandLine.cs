using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;

using UserMemory.Linux.Cpu;
using UserMemory.Linux.Process;

namespace UserMemory.Runner;

/// <summary>
/// The runner's arguments, parsed with System.CommandLine: <c>usermem-run [options] [--] program [args...]</c>.
/// </summary>
/// <remarks>
/// <para>Runner options end at the first argument that is not an option, or at <c>--</c>: everything from the
/// program on belongs to the guest, so <c>usermem-run ls --help</c> asks <c>ls</c> for help. The options before it
/// are handed to System.CommandLine, followed by <c>--</c> and the program with its arguments, so the parser owns
/// validation, error messages and <c>--help</c>.</para>
/// <para>The options one runner passes to the next for fork (<c>--resume FD</c>) and execve (<c>--exec-state</c>,
/// <c>--argv0</c>, <c>--no-argv</c>, <c>--trace-child</c>) are hidden from the help text: they are an internal
/// hand-off, not a user interface. Their values may be any guest string (an argv[0] of <c>--help</c> or
/// <c>@file</c>), so they are passed to the parser as one <c>--option=value</c> token and response files are off.</para>
/// </remarks>
internal sealed class CommandLine
{
    /// <summary>The exit status for malformed command lines (as for the shell's usage errors).</summary>
    public const int UsageExitCode = 2;

    /// <summary>The internal option a runner starts the next one with (fork or execve): accepted only alone; the
    /// whole state comes from the hand-off descriptor, never from the command line.</summary>
    public const string HandoffOption = "--handoff";

    private static readonly Option<bool> StraceOption = new("--strace")
    {
        Description = "Print one strace-format line per system call on standard error.",
    };

    private static readonly Option<string> StraceFileOption = new("--strace-file")
    {
        Description = "Like --strace, but write the trace to PATH (created or truncated) instead of standard error.",
        HelpName = "PATH",
    };

    private static readonly Option<bool> StatsOption = new("--stats")
    {
        Description = "When the program exits, print its system call count, the time spent in the syscall layer and the most frequent calls on standard error.",
    };

    private static readonly Option<string> CpuOption = new("--cpu")
    {
        Description = "The CPU backend: 'unicorn' (emulation, works everywhere), 'kvm' (guest code runs natively through /dev/kvm; every syscall is a VM exit) or 'auto' (KVM wherever /dev/kvm works, else Unicorn; 'unicorn' is faster for syscall-dense work such as dd bs=1). An unavailable 'kvm' falls back to Unicorn with a message.",
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|unicorn|kvm",
    };

    private static readonly Option<string> MemoryOption = new("--memory")
    {
        Description = "The guest's memory limit: every page it touches counts (bytes, or a number with K, M, G or T; default 4G). Past it the touching access gets SIGSEGV.",
        HelpName = "SIZE",
    };

    private static readonly Option<int?> MaxProcessesOption = new("--max-processes")
    {
        Description = "The most guest processes that may exist at once (1 to 1024, the default); a fork beyond it fails with EAGAIN, as Linux's RLIMIT_NPROC does. Every guest process dies with the first one.",
        HelpName = "N",
    };

    private static readonly Option<string> RootOption = new("--root")
    {
        Description = "Confine the program's file system to DIR: every path it names resolves inside DIR ('..', absolute symlinks and races cannot leave it).",
        HelpName = "DIR",
    };

    private static readonly Option<bool> ReadOnlyOption = new("--read-only")
    {
        Description = "Refuse every change to the file system (EROFS): writing opens, create, unlink, rename, mkdir, links, chmod, chown, truncate, utimes.",
    };

    private static readonly Argument<string> ProgramArgument = new("program")
    {
        Description = "The static x86-64 Linux program to run; looked up in PATH when it has no slash.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Argument<string[]> ArgumentsArgument = new("args")
    {
        Description = "The program's arguments (argv[1] onwards), passed on unchanged, options included.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option[] ValueOptions = [StraceFileOption, CpuOption, MemoryOption, MaxProcessesOption, RootOption];

    /// <summary>The characters System.CommandLine accepts between an option and its value (<c>--opt=value</c>).</summary>
    private static readonly char[] OptionValueDelimiters = ['=', ':'];

    private CommandLine()
    {
        Handoff = true;
        Arguments = [];
    }

    private CommandLine(ParseResult result)
    {
        Trace = result.GetValue(StraceOption) || result.GetValue(StraceFileOption) is not null;
        Stats = result.GetValue(StatsOption);
        CpuText = result.GetValue(CpuOption);
        Root = result.GetValue(RootOption);
        MemoryText = result.GetValue(MemoryOption);
        MaxProcesses = result.GetValue(MaxProcessesOption);
        ReadOnly = result.GetValue(ReadOnlyOption);
        Program = result.GetValue(ProgramArgument);
        Arguments = result.GetValue(ArgumentsArgument) ?? [];
    }

    /// <summary><c>--strace</c> or <c>--strace-file</c>.</summary>
    public bool Trace { get; }

    /// <summary>Started by another runner with <see cref="HandoffOption"/> alone.</summary>
    public bool Handoff { get; }

    /// <summary>The index in the arguments of the program (its arguments follow), so that the program and its
    /// arguments can be taken as the raw bytes the kernel gave this process; -1 with <see cref="Handoff"/>.</summary>
    public int ProgramIndex { get; private init; } = -1;

    /// <summary>The index in the arguments of the token holding <c>--strace-file</c>'s path, or -1.</summary>
    public int StraceFileIndex { get; private init; } = -1;

    /// <summary>The raw bytes of the <c>--strace-file</c> path (the token at <see cref="StraceFileIndex"/>, without
    /// an <c>--strace-file=</c> prefix), or null.</summary>
    /// <param name="raw">The raw arguments (same indices as the parsed ones).</param>
    /// <returns>The path bytes, or null.</returns>
    public byte[]? StraceFileBytes(byte[][] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (StraceFileIndex < 0 || StraceFileIndex >= raw.Length)
        {
            return null;
        }

        byte[] token = raw[StraceFileIndex];
        byte[] joined = System.Text.Encoding.ASCII.GetBytes(StraceFileOption.Name + "=");
        return token.AsSpan().StartsWith(joined) ? token[joined.Length..] : token;
    }

    /// <summary><c>--memory SIZE</c> as given, or null.</summary>
    public string? MemoryText { get; }

    /// <summary>The guest's memory limit in bytes (<c>--memory SIZE</c>), or null for the default.</summary>
    public ulong? MemoryLimit => MemoryText is not null && TryParseSize(MemoryText, out ulong bytes) ? bytes : null;

    /// <summary><c>--max-processes N</c>, or null for <see cref="SandboxTable.Capacity"/>.</summary>
    public int? MaxProcesses { get; }

    /// <summary><c>--root DIR</c>, or null.</summary>
    public string? Root { get; }

    /// <summary><c>--read-only</c>.</summary>
    public bool ReadOnly { get; }

    /// <summary><c>--cpu</c>, as given (checked by <see cref="Parse"/>).</summary>
    public string? CpuText { get; }

    /// <summary><c>--cpu</c>, parsed.</summary>
    public CpuBackend Cpu => CpuBackendSelector.TryParse(CpuText, out CpuBackend b) ? b : CpuBackend.Auto;

    /// <summary><c>--stats</c>.</summary>
    public bool Stats { get; }

    /// <summary>The program, absent only with <c>--resume</c>.</summary>
    public string? Program { get; }

    /// <summary>The program's arguments.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Parses <paramref name="args"/>. Returns null when the runner should exit with
    /// <paramref name="exitCode"/> instead: 0 after <c>--help</c> or <c>--version</c>, <see cref="UsageExitCode"/>
    /// after a usage error (the message is on <paramref name="error"/>).</summary>
    public static CommandLine? Parse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 1 && args[0] == HandoffOption)
        {
            exitCode = 0;
            return new CommandLine();
        }

        RootCommand root = CreateRootCommand();
        string[] tokens = ToParserTokens(root, args, out string? unknown, out int programIndex, out int straceFileIndex);
        ParseResult result = root.Parse(tokens, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var errors = new List<string>();
        if (Array.IndexOf(args, HandoffOption) >= 0 && Array.IndexOf(args, HandoffOption) < programIndex)
        {
            errors.Add(HandoffOption + " is internal and takes no other arguments.");
        }
        else if (unknown is not null)
        {
            errors.Add("unknown option '" + unknown + "' (runner options come before the program; a flag takes no value).");
        }

        foreach (ParseError e in result.Errors)
        {
            errors.Add(e.Message);
        }

        if (errors.Count == 0 && result.Action is not null)
        {
            exitCode = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        if (errors.Count == 0)
        {
            var parsed = new CommandLine(result) { ProgramIndex = programIndex, StraceFileIndex = straceFileIndex };
            if (parsed.MemoryText is not null && !TryParseSize(parsed.MemoryText, out _))
            {
                errors.Add("invalid --memory size '" + parsed.MemoryText + "' (bytes, or a number with K, M, G or T).");
            }
            else if (parsed.MaxProcesses is int max && (max < 1 || max > SandboxTable.Capacity))
            {
                errors.Add("--max-processes takes 1 to " + SandboxTable.Capacity.ToString(CultureInfo.InvariantCulture) + ", not " + max.ToString(CultureInfo.InvariantCulture) + ".");
            }
            else if (!CpuBackendSelector.TryParse(parsed.CpuText, out _))
            {
                errors.Add("--cpu takes auto, unicorn or kvm, not '" + parsed.CpuText + "'.");
            }
            else if (string.IsNullOrEmpty(parsed.Program))
            {
                errors.Add("no program given.");
            }
            else
            {
                exitCode = 0;
                return parsed;
            }
        }

        foreach (string e in errors)
        {
            error.WriteLine("usermem-run: " + e);
        }

        error.WriteLine("Try 'usermem-run --help' for more information.");
        exitCode = UsageExitCode;
        return null;
    }

    /// <summary>The command the parser and the help text are built from.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "Runs an x86-64 Linux program on an emulated (Unicorn) or virtualized (KVM) CPU. Every pointer the program passes to a system call is checked through UserMemory.")
        {
            StraceOption,
            StraceFileOption,
            StatsOption,
            CpuOption,
            MemoryOption,
            MaxProcessesOption,
            RootOption,
            ReadOnlyOption,
            ProgramArgument,
            ArgumentsArgument,
        };
        return root;
    }

    /// <summary>Runner options first (a value option joined with its value, so that a value such as an argv[0] of
    /// <c>--help</c> stays a value), then <c>--</c>, then the program and its arguments exactly as given.
    /// <paramref name="unknown"/> is the first option-looking token the command does not define (or a flag given a
    /// value).</summary>
    private static string[] ToParserTokens(RootCommand root, string[] args, out string? unknown, out int programIndex, out int straceFileIndex)
    {
        unknown = null;
        straceFileIndex = -1;
        var tokens = new List<string>(args.Length + 1);
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }

            if (a.Length < 2 || a[0] != '-')
            {
                break;
            }

            Option? option = FindOption(root, a);
            if (option is null || (!IsValueOption(option) && a.IndexOfAny(OptionValueDelimiters) >= 0))
            {
                unknown ??= a;
            }
            else if (IsValueOption(option) && a == option.Name && i + 1 < args.Length)
            {
                string value = args[++i];
                if (option == StraceFileOption)
                {
                    straceFileIndex = i;
                }

                if (value.Length == 0)
                {
                    tokens.Add(a);
                    tokens.Add(value);
                }
                else
                {
                    tokens.Add(a + "=" + value);
                }

                continue;
            }

            if (option == StraceFileOption)
            {
                straceFileIndex = i;
            }

            tokens.Add(a);
        }

        programIndex = i;
        tokens.Add("--");
        for (; i < args.Length; i++)
        {
            tokens.Add(args[i]);
        }

        return [.. tokens];
    }

    private static Option? FindOption(RootCommand root, string token)
    {
        int delimiter = token.IndexOfAny(OptionValueDelimiters);
        string name = delimiter < 0 ? token : token[..delimiter];
        foreach (Option o in root.Options)
        {
            if (o.Name == name || o.Aliases.Contains(name))
            {
                return o;
            }
        }

        return null;
    }

    private static bool IsValueOption(Option option) => Array.IndexOf(ValueOptions, option) >= 0;

    /// <summary>Parses a size: a decimal number of bytes, optionally followed by K, M, G or T (powers of 1024, an
    /// optional trailing "iB" or "B"). Zero and overflowing sizes are refused.</summary>
    internal static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        string t = text.Trim();
        if (t.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            t = t[..^2];
        }
        else if (t.EndsWith('B') || t.EndsWith('b'))
        {
            t = t[..^1];
        }

        int shift = 0;
        if (t.Length > 0)
        {
            shift = char.ToUpperInvariant(t[^1]) switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => 0,
            };
        }

        if (shift != 0)
        {
            t = t[..^1];
        }

        if (!ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number) || number == 0
            || number > (ulong.MaxValue >> shift))
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }
}
