using System;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>Program paths as raw bytes: making one absolute against the host working directory and finding a bare
/// command name along <c>PATH</c>, without ever decoding them as text.</summary>
public static class ProgramPath
{
    /// <summary>PATH_MAX.</summary>
    private const int MaxPath = 4096;

    private const long AtFdCwd = -100;

    /// <summary>The size of <c>struct stat</c> and the offset and mask of <c>st_mode</c>'s file type.</summary>
    private const int StatSize = 144;

    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;

    /// <summary>The search path when the environment has none (glibc's default).</summary>
    private static readonly byte[] DefaultSearchPath = "/usr/local/bin:/usr/bin:/bin"u8.ToArray();

    /// <summary>Makes <paramref name="path"/> absolute (prefixing the host working directory's bytes).</summary>
    /// <param name="path">A path without NUL.</param>
    /// <returns>The absolute path (the same array when it already is).</returns>
    public static byte[] Absolute(byte[] path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > 0 && path[0] == (byte)'/')
        {
            return path;
        }

        byte[] cwd = new byte[MaxPath];
        long r = HostLinux.Syscall((long)SyscallNumber.Getcwd, cwd, 0, [0, cwd.Length, 0, 0, 0, 0]);
        if (r <= 1)
        {
            return path; // no reachable working directory: keep the path as given
        }

        int length = (int)r - 1; // without the NUL
        return cwd[length - 1] == (byte)'/' ? [.. cwd.AsSpan(0, length), .. path] : [.. cwd.AsSpan(0, length), (byte)'/', .. path];
    }

    /// <summary>Finds <paramref name="name"/> (no slash) along the <c>PATH</c> of <paramref name="environment"/>, like
    /// <c>execvp</c>: the first regular file.</summary>
    /// <param name="name">The command name.</param>
    /// <param name="environment">Environment entries without NUL.</param>
    /// <returns>The path, or null when not found.</returns>
    public static byte[]? Search(byte[] name, IReadOnlyList<byte[]> environment)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(environment);
        byte[] searchPath = DefaultSearchPath;
        foreach (byte[] e in environment)
        {
            if (e.AsSpan().StartsWith("PATH="u8))
            {
                searchPath = e[5..];
                break;
            }
        }

        foreach (Range part in searchPath.AsSpan().Split((byte)':'))
        {
            ReadOnlySpan<byte> dir = searchPath.AsSpan(part);
            byte[] candidate = dir.Length == 0 ? name : [.. dir, (byte)'/', .. name];
            if (IsRegularFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsRegularFile(byte[] path)
    {
        byte[] nul = [.. path, 0];
        byte[] stat = new byte[StatSize];
        long r = HostLinux.Syscall((long)SyscallNumber.Newfstatat, nul, 1, stat, 2, [AtFdCwd, 0, 0, 0, 0, 0]);
        return r == 0 && (BitConverter.ToUInt32(stat, StatModeOffset) & FileTypeMask) == RegularFile;
    }
}
