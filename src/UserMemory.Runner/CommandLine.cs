using System;
using System.Collections.Generic;

namespace UserMemory.Runner;

/// <summary>The runner's arguments: <c>usermem-run [--strace] [--strace-file PATH] [--stats] [--] program [args...]</c>,
/// plus the hidden <c>--handoff</c> one runner gives the next for fork and execve (alone: everything else travels in the
/// hand-off state). Positions are kept, not values, for everything that must stay raw bytes (the trace file, the program
/// and its arguments): the caller takes those bytes from the raw command line. A small hand parser keeps startup fast
/// and trimming-safe.</summary>
internal sealed class CommandLine
{
    /// <summary>The hidden hand-off option.</summary>
    public const string HandoffOption = "--handoff";

    public bool Trace { get; private set; }

    public bool Stats { get; private set; }

    /// <summary>Started by another runner: the state is on the hand-off descriptor.</summary>
    public bool Handoff { get; private set; }

    /// <summary>The index of <c>--strace-file</c>'s value in the arguments, or -1.</summary>
    public int StraceFileIndex { get; private set; } = -1;

    /// <summary>The index of the program in the arguments (its arguments follow), or -1.</summary>
    public int ProgramIndex { get; private set; } = -1;

    public static CommandLine? Parse(string[] args, out string? error)
    {
        var c = new CommandLine();
        error = null;
        if (args.Length == 1 && args[0] == HandoffOption)
        {
            c.Handoff = true;
            return c;
        }

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
                case "--strace-file" when i + 1 < args.Length:
                    c.Trace = true;
                    c.StraceFileIndex = ++i;
                    break;
                case "--stats":
                    c.Stats = true;
                    break;
                case "--help":
                    error = string.Empty;
                    return null;
                case HandoffOption:
                    error = HandoffOption + " is internal and takes no other arguments";
                    return null;
                default:
                    error = "unknown option " + a;
                    return null;
            }
        }

        if (i >= args.Length)
        {
            error = "no program given";
            return null;
        }

        c.ProgramIndex = i;
        return c;
    }
}
