using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// A process's command name (Linux's <c>comm</c>): what <c>/proc/PID/comm</c>, the <c>Name:</c> line of <c>status</c>
/// and the second field of <c>stat</c> show, and what <c>prctl(PR_SET_NAME/PR_GET_NAME)</c> set and read. Linux sets it
/// at <c>execve</c> to the last component of the path the caller passed (not the target of a symbolic link, and for a
/// <c>#!</c> script the script's name, not the interpreter's), truncated to 15 bytes; a fork child inherits it.
/// Other processes read it from the host's <c>/proc</c>, so every change is also written to this runner's own host
/// <c>comm</c>.
/// </summary>
internal static class ProcessCommandName
{
    /// <summary>TASK_COMM_LEN - 1: the longest name; the kernel keeps a NUL after it.</summary>
    internal const int MaxLength = 15;

    /// <summary>The size of the buffer PR_GET_NAME fills (TASK_COMM_LEN), NUL included.</summary>
    internal const int BufferSize = MaxLength + 1;

    private const long AtFdCwd = -100;

    private static ReadOnlySpan<byte> HostCommPath => "/proc/self/comm\0"u8;

    /// <summary>The name <c>execve</c> gives: the path's last component, at most <see cref="MaxLength"/> bytes.</summary>
    /// <param name="path">The path as the caller named it, without NUL.</param>
    /// <returns>The name.</returns>
    internal static byte[] FromPath(ReadOnlySpan<byte> path)
    {
        int slash = path.LastIndexOf((byte)'/');
        return Truncate(path[(slash + 1)..]);
    }

    /// <summary>A name as PR_SET_NAME takes it: up to the first NUL, at most <see cref="MaxLength"/> bytes.</summary>
    /// <param name="name">The bytes.</param>
    /// <returns>The name.</returns>
    internal static byte[] Truncate(ReadOnlySpan<byte> name)
    {
        int nul = name.IndexOf((byte)0);
        if (nul >= 0)
        {
            name = name[..nul];
        }

        return name[..Math.Min(name.Length, MaxLength)].ToArray();
    }

    /// <summary>Writes the name to this runner's host <c>comm</c>, where other processes of the sandbox read it. The
    /// host refuses nothing a guest can name (at most 15 bytes); a failure only leaves the old name visible.</summary>
    /// <param name="name">The name (at most <see cref="MaxLength"/> bytes).</param>
    internal static void PublishToHost(ReadOnlySpan<byte> name)
    {
        Span<byte> path = stackalloc byte[HostCommPath.Length];
        HostCommPath.CopyTo(path);
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, path, 1, [AtFdCwd, 0, (long)(OpenFlags.WriteOnly | OpenFlags.CloseOnExec), 0, 0, 0]);
        if (fd < 0)
        {
            return;
        }

        _ = HostLinux.WriteAll((int)fd, name);
        HostLinux.Syscall((long)SyscallNumber.Close, fd);
    }

    /// <summary>Reads a host process's command name (the fork parent's, which a fork child inherits).</summary>
    /// <param name="pid">The host pid.</param>
    /// <returns>The name, or null when it cannot be read.</returns>
    internal static byte[]? ReadHost(int pid)
    {
        byte[] path = System.Text.Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/proc/{pid}/comm\0"));
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, path, 1, [AtFdCwd, 0, (long)(OpenFlags.CloseOnExec), 0, 0, 0]);
        if (fd < 0)
        {
            return null;
        }

        byte[] buffer = new byte[BufferSize + 1];
        long n = HostLinux.Syscall((long)SyscallNumber.Read, buffer, 1, [fd, 0, buffer.Length, 0, 0, 0]);
        HostLinux.Syscall((long)SyscallNumber.Close, fd);
        if (n <= 0)
        {
            return null;
        }

        ReadOnlySpan<byte> text = buffer.AsSpan(0, (int)n);
        return Truncate(text.EndsWith((byte)'\n') ? text[..^1] : text);
    }
}
