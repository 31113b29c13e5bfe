using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tracing;

/// <summary>
/// Where trace lines (<c>--strace</c>) and statistics (<c>--stats</c>) go: a host descriptor of the runner's own at
/// <see cref="RunnerDescriptors.Trace"/>, outside the guest descriptor table, so a guest that closes, redirects or
/// replaces its descriptor 2 changes nothing about the trace. The first runner opens it before the guest table exists
/// (a duplicate of its standard error, or the <c>--strace-file</c>); every next runner inherits it.
/// </summary>
public static class TraceOutput
{
    /// <summary>The host descriptor trace output is written to.</summary>
    public const int Descriptor = RunnerDescriptors.Trace;

    private const int HostStandardError = 2;
    private const long AtFdCwd = -100;
    private const long CreateMode = 0x1a4; // 0644

    /// <summary>Opens the trace output of the first runner.</summary>
    /// <param name="file">The <c>--strace-file</c> path (raw bytes, without NUL), or null for standard error.</param>
    /// <returns>0 or <c>-errno</c> (the file could not be opened).</returns>
    public static long Open(byte[]? file)
    {
        long fd;
        if (file is null)
        {
            fd = HostLinux.Syscall((long)SyscallNumber.Fcntl, HostStandardError, (long)FcntlCommand.DupFdCloseOnExec, 0);
            if (fd < 0)
            {
                return RunnerDescriptors.Reserve(Descriptor); // no standard error: trace into /dev/null
            }
        }
        else
        {
            long flags = (long)(OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate | OpenFlags.CloseOnExec);
            fd = HostLinux.Syscall((long)SyscallNumber.Openat, [.. file, 0], 1, [AtFdCwd, 0, flags, CreateMode, 0, 0]);
            if (fd < 0)
            {
                return fd;
            }
        }

        return RunnerDescriptors.MoveTo(fd, Descriptor);
    }

    /// <summary>Writes one piece of trace output (all of it, retrying short writes; errors are ignored).</summary>
    /// <param name="bytes">The bytes.</param>
    public static void Write(ReadOnlySpan<byte> bytes) => _ = HostLinux.WriteAll(Descriptor, bytes);
}
