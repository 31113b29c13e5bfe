using System;
using System.Collections.Generic;
using System.Globalization;

namespace UserMemory.Runner;

/// <summary>The runner's arguments: <c>usermem-run [--strace] [--] program [args...]</c>, plus the internal options
/// one runner passes to the next for fork (<c>--resume FD</c>) and execve (<c>--exec-state S --argv0 A</c>).
/// A small hand parser keeps startup fast and trimming-safe.</summary>
internal sealed class CommandLine
{
    public bool Trace { get; private set; }

    public bool TracePidPrefix { get; private set; }

    public bool Stats { get; private set; }

    public int ResumeFd { get; private set; } = -1;

    /// <summary>The guest's memory limit in bytes (<c>--memory SIZE</c>), or null for the default.</summary>
    public ulong? MemoryLimit { get; private set; }

    public string? ExecState { get; private set; }

    public string? Argv0 { get; private set; }

    public bool NoArgv { get; private set; }

    public string? Program { get; private set; }

    public List<string> Arguments { get; } = new();

    public static CommandLine? Parse(string[] args, out string? error)
    {
        var c = new CommandLine();
        error = null;
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }

            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            switch (a)
            {
                case "--strace":
                    c.Trace = true;
                    break;
                case "--stats":
                    c.Stats = true;
                    break;
                case "--trace-child":
                    c.TracePidPrefix = true;
                    break;
                case "--no-argv":
                    c.NoArgv = true;
                    break;
                case "--resume" when i + 1 < args.Length:
                    c.ResumeFd = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--memory" when i + 1 < args.Length:
                    if (!TryParseSize(args[++i], out ulong limit))
                    {
                        error = "invalid --memory size " + args[i] + " (bytes, or a number with K, M, G or T)";
                        return null;
                    }

                    c.MemoryLimit = limit;
                    break;
                case "--exec-state" when i + 1 < args.Length:
                    c.ExecState = args[++i];
                    break;
                case "--argv0" when i + 1 < args.Length:
                    c.Argv0 = args[++i];
                    break;
                case "--help":
                    error = string.Empty;
                    return null;
                default:
                    error = "unknown option " + a;
                    return null;
            }
        }

        if (c.ResumeFd >= 0)
        {
            return c;
        }

        if (i >= args.Length)
        {
            error = "no program given";
            return null;
        }

        c.Program = args[i];
        for (i++; i < args.Length; i++)
        {
            c.Arguments.Add(args[i]);
        }

        return c;
    }

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
