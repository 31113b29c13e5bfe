using System;
using System.Buffers.Text;
using System.Globalization;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// Who a host pid is: the pid together with the process's start time (field 22 of <c>/proc/PID/stat</c>, in clock
/// ticks since boot). A pid is reused once its process is reaped; the pair is not, so a recorded pair tells a live
/// runner from an unrelated process that inherited its number.
/// </summary>
internal static class HostProcessIdentity
{
    /// <summary>The field of <c>/proc/PID/stat</c> holding the start time (1-based, as proc(5) counts).</summary>
    private const int StartTimeField = 22;

    /// <summary>The first field after the parenthesised command name (the state).</summary>
    private const int FirstFieldAfterName = 3;

    /// <summary>Enough for any <c>/proc/PID/stat</c> line (52 numeric fields and a 16-byte name).</summary>
    private const int StatBufferSize = 1024;

    private const long AtFdCwd = -100;

    /// <summary>The start time of host process <paramref name="pid"/>, or 0 when it does not exist (or is not
    /// readable).</summary>
    /// <param name="pid">A host pid (positive).</param>
    /// <returns>The start time in clock ticks since boot, or 0.</returns>
    public static long StartTime(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        byte[] path = System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat\0"));
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, path, 1, [AtFdCwd, 0, (long)OpenFlags.CloseOnExec, 0, 0, 0]);
        if (fd < 0)
        {
            return 0;
        }

        byte[] buffer = new byte[StatBufferSize];
        long n = HostLinux.Syscall((long)SyscallNumber.Read, buffer, 1, [fd, 0, buffer.Length, 0, 0, 0]);
        HostLinux.Syscall((long)SyscallNumber.Close, fd);
        return n > 0 ? Parse(buffer.AsSpan(0, (int)n)) : 0;
    }

    /// <summary>The start time in a <c>/proc/PID/stat</c> line, or 0 when the line is malformed. The command name may
    /// hold spaces and parentheses: fields are counted from the last <c>)</c>.</summary>
    /// <param name="line">The file's content.</param>
    /// <returns>The start time, or 0.</returns>
    internal static long Parse(ReadOnlySpan<byte> line)
    {
        int close = line.LastIndexOf((byte)')');
        if (close < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> rest = line[(close + 1)..];
        for (int field = FirstFieldAfterName; field <= StartTimeField; field++)
        {
            rest = rest.TrimStart((byte)' ');
            int end = rest.IndexOf((byte)' ');
            ReadOnlySpan<byte> value = end < 0 ? rest : rest[..end];
            if (field == StartTimeField)
            {
                return Utf8Parser.TryParse(value, out long ticks, out int used) && used == value.Length && ticks > 0 ? ticks : 0;
            }

            if (end < 0)
            {
                return 0;
            }

            rest = rest[end..];
        }

        return 0;
    }
}
