namespace UserMemory.Linux.Tests.Support;

/// <summary>What a finished process printed and how it ended.</summary>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="ExitCode">The exit code; 128 + n for death by signal n, as a shell reports it.</param>
internal sealed record ProcessResult(string Stdout, string Stderr, int ExitCode)
{
    /// <summary>All three, for assertion messages.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
