using System;
using System.Text;

namespace UserMemory.Linux.Tests.Support;

/// <summary>What a process printed (standard output as raw bytes) and how it ended.</summary>
/// <param name="Stdout">Standard output, byte for byte.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="ExitCode">The exit code (128 + n for death by signal n), or null when the time limit killed it.</param>
internal sealed record RawResult(byte[] Stdout, string Stderr, int? ExitCode)
{
    /// <summary>True when the process had to be killed at its time limit.</summary>
    public bool TimedOut => ExitCode is null;

    /// <summary>Standard output decoded as UTF-8 (invalid bytes become U+FFFD; compare <see cref="Stdout"/> for
    /// byte-exact checks).</summary>
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    /// <summary>True when standard error shows a .NET unhandled exception or stack trace from the runner.</summary>
    public bool ShowsDotnetStackTrace =>
        Stderr.Contains("Unhandled exception", StringComparison.Ordinal) || Stderr.Contains("\n   at ", StringComparison.Ordinal)
        || Stderr.StartsWith("   at ", StringComparison.Ordinal);

    /// <summary>Status, output and error, for assertion messages (output bytes outside printable ASCII in hex).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(TimedOut ? "TIMED OUT (killed)" : "exit " + ExitCode).Append("\n--- stdout ---\n");
        foreach (byte b in Stdout)
        {
            if (b == (byte)'\n' || (b >= 0x20 && b < 0x7f))
            {
                text.Append((char)b);
            }
            else
            {
                text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.Append("\n--- stderr ---\n").Append(Stderr).ToString();
    }
}
