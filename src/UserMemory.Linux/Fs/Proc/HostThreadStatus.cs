using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// The host kernel's <c>status</c> and <c>stat</c> of one runner thread, read from the host's
/// <c>/proc/self/task/TID/</c>.
/// A guest thread runs on its own host thread whose tid is the guest tid, and every credential syscall
/// (setuid, setresuid, setgroups, capset...) is passed to the host on that thread, so the host keeps exactly the
/// guest thread's credentials, capabilities, umask, affinity and scheduling state, per thread, as Linux does; the
/// synthetic <c>status</c> takes those lines from here and renders the rest from guest state.
/// </summary>
internal static class HostThreadStatus
{
    /// <summary>Enough for any host status file (a few hundred bytes on every kernel; Mems_allowed can be long).</summary>
    private const int BufferSize = 16384;

    private const int AtFdCwd = -100;

    /// <summary>The host's status lines of runner thread <paramref name="tid"/>, by key (text before the colon),
    /// values without the tab after the colon and without the newline; in file order. Empty when it cannot be read
    /// (the thread ended).</summary>
    /// <param name="tid">The host (and guest) thread id.</param>
    /// <returns>The lines.</returns>
    internal static List<KeyValuePair<string, string>> Read(int tid)
    {
        var lines = new List<KeyValuePair<string, string>>();
        string? text = ReadText(string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{tid}/status"));
        if (text is null)
        {
            return lines;
        }

        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string value = line[(colon + 1)..];
            lines.Add(new(line[..colon], value.StartsWith('\t') ? value[1..] : value));
        }

        return lines;
    }

    /// <summary>The fields of the host's <c>stat</c> line of runner thread <paramref name="tid"/> (or of the whole
    /// runner process, whose times sum its threads as Linux's process-level stat does), numbered as in proc(5): index
    /// 1 is the pid, 3 the state; index 2 (the name) is empty. Null when it cannot be read.</summary>
    /// <param name="tid">The host (and guest) thread id.</param>
    /// <param name="wholeProcess">True for the process-level line.</param>
    /// <returns>The fields, or null.</returns>
    internal static string[]? ReadStat(int tid, bool wholeProcess)
    {
        string? text = ReadText(wholeProcess ? "/proc/self/stat" : string.Create(CultureInfo.InvariantCulture, $"/proc/self/task/{tid}/stat"));
        int close = text?.LastIndexOf(')') ?? -1;
        if (text is null || close < 0)
        {
            return null;
        }

        string[] rest = text[(close + 1)..].Trim().Split(' ');
        return ["", "", "", .. rest]; // rest[0] is field 3
    }

    private static string? ReadText(string hostPath)
    {
        byte[] path = Encoding.ASCII.GetBytes(hostPath + "\0");
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, path, 1, [AtFdCwd, 0, (long)OpenFlags.CloseOnExec, 0, 0, 0]);
        if (fd < 0)
        {
            return null;
        }

        byte[] buffer = new byte[BufferSize];
        int filled = 0;
        while (filled < buffer.Length)
        {
            long n = HostLinux.Syscall((long)SyscallNumber.Read, buffer.AsSpan(filled), 1, [fd, 0, buffer.Length - filled, 0, 0, 0]);
            if (n <= 0)
            {
                break;
            }

            filled += (int)n;
        }

        _ = HostLinux.Syscall((long)SyscallNumber.Close, fd);
        return Encoding.UTF8.GetString(buffer, 0, filled);
    }
}
