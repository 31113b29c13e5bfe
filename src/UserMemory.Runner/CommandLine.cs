using System;
using System.Collections.Generic;
using System.Globalization;

namespace UserMemory.Runner;

/// <summary>The runner's arguments: <c>usermem-run [--strace] [--root DIR] [--read-only] [--] program [args...]</c>, plus the internal options
/// one runner passes to the next for fork (<c>--resume FD</c>) and execve (<c>--exec-state S --argv0 A</c>).
/// A small hand parser keeps startup fast and trimming-safe.</summary>
internal sealed class CommandLine
{
    public bool Trace { get; private set; }

    public bool TracePidPrefix { get; private set; }

    public bool Stats { get; private set; }

    public int ResumeFd { get; private set; } = -1;

    public string? ExecState { get; private set; }

    public string? Argv0 { get; private set; }

    public string? Root { get; private set; }

    public bool ReadOnly { get; private set; }

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
                case "--exec-state" when i + 1 < args.Length:
                    c.ExecState = args[++i];
                    break;
                case "--root" when i + 1 < args.Length:
                    c.Root = args[++i];
                    break;
                case "--read-only":
                    c.ReadOnly = true;
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
}
