using System;
using System.Globalization;
using System.Text;

namespace UserMemory.Linux.Fs;

/// <summary>
/// Path handling between the guest and the host file system, as it is today: paths pass to the host as the guest
/// wrote them, except the names of the running program under <c>/proc</c>, which would otherwise name the runner.
/// </summary>
public static class GuestPaths
{
    private static ReadOnlySpan<byte> ProcSelfExe => "/proc/self/exe"u8;

    private static ReadOnlySpan<byte> ProcPrefix => "/proc/"u8;

    private static ReadOnlySpan<byte> ExeSuffix => "/exe"u8;

    /// <summary>True when <paramref name="path"/> is <c>/proc/self/exe</c> or <c>/proc/PID/exe</c> for
    /// <paramref name="pid"/>: the running guest program.</summary>
    /// <param name="path">The path the guest wrote, without NUL.</param>
    /// <param name="pid">The calling process's pid.</param>
    /// <returns>Whether it names the guest's own executable.</returns>
    public static bool NamesOwnExecutable(ReadOnlySpan<byte> path, int pid)
    {
        if (path.SequenceEqual(ProcSelfExe))
        {
            return true;
        }

        if (!path.StartsWith(ProcPrefix) || !path.EndsWith(ExeSuffix) || path.Length <= ProcPrefix.Length + ExeSuffix.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> middle = path[ProcPrefix.Length..^ExeSuffix.Length];
        return Encoding.ASCII.GetString(middle) == pid.ToString(CultureInfo.InvariantCulture);
    }
}
