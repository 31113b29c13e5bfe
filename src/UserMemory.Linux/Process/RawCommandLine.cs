using System;
using System.Collections.Generic;
using System.IO;

namespace UserMemory.Linux.Process;

/// <summary>The runner's own arguments as the raw bytes the kernel holds (<c>/proc/self/cmdline</c>), so that
/// non-UTF-8 bytes in the guest program's path and arguments survive (.NET's <c>string[] args</c> are already decoded,
/// with invalid sequences replaced).</summary>
public static class RawCommandLine
{
    private const string CmdlinePath = "/proc/self/cmdline";

    /// <summary>The raw bytes of the arguments .NET passed to <c>Main</c> (the last ones of the command line: the
    /// runner path, and the <c>.dll</c> when run through <c>dotnet</c>, come first).</summary>
    /// <param name="decoded">The arguments .NET decoded, used when the raw ones cannot be read or do not line up.</param>
    /// <returns>One byte array per argument, without NUL.</returns>
    public static byte[][] Read(string[] decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        byte[] all;
        try
        {
            all = File.ReadAllBytes(CmdlinePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fallback(decoded);
        }

        byte[][] raw = Split(all);
        if (raw.Length < decoded.Length)
        {
            return Fallback(decoded);
        }

        byte[][] tail = raw[(raw.Length - decoded.Length)..];
        for (int i = 0; i < tail.Length; i++)
        {
            // Each raw argument that is valid UTF-8 must be what .NET gave (invalid ones were decoded lossily by .NET,
            // so only their raw bytes are the truth).
            if (System.Text.Unicode.Utf8.IsValid(tail[i]) && System.Text.Encoding.UTF8.GetString(tail[i]) != decoded[i])
            {
                return Fallback(decoded);
            }
        }

        return tail;
    }

    /// <summary>Splits NUL-terminated strings.</summary>
    /// <param name="all">The bytes of <c>/proc/self/cmdline</c>.</param>
    /// <returns>The strings, without NUL.</returns>
    public static byte[][] Split(ReadOnlySpan<byte> all)
    {
        var list = new List<byte[]>();
        while (!all.IsEmpty)
        {
            int end = all.IndexOf((byte)0);
            if (end < 0)
            {
                list.Add(all.ToArray());
                break;
            }

            list.Add(all[..end].ToArray());
            all = all[(end + 1)..];
        }

        return list.ToArray();
    }

    private static byte[][] Fallback(string[] decoded) => Array.ConvertAll(decoded, System.Text.Encoding.UTF8.GetBytes);
}
