using System;
using System.Collections.Generic;
using System.Globalization;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// Carries a <see cref="HandoffState"/> from one runner process to the next over an inherited descriptor: the state
/// (and, for fork, the written memory) goes into a memfd that is then sealed against every change (write, grow,
/// shrink, further seals), the memfd is placed at the fixed number <see cref="RunnerDescriptors.Handoff"/> for the
/// moment the next runner is started (spawn for fork, execve for execve), and the next runner is started with the
/// command line <c>RUNNER --handoff</c> and <see cref="CleanEnvironment"/>. The receiving side accepts only a fully
/// sealed memfd at that number, so a plain file, pipe or socket a forger passes there is refused before anything is
/// parsed, and nothing can change the state between validation and use.
/// </summary>
public static class HandoffChannel
{
    /// <summary>The hidden option that tells a runner its state is on <see cref="RunnerDescriptors.Handoff"/>.</summary>
    public const string Option = "--handoff";

    /// <summary>Every seal: the state can change neither size nor content, nor take new seals.</summary>
    private const long AllSeals = (long)(MemfdSeals.Seal | MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Write);

    /// <summary>Held from placing a state at <see cref="RunnerDescriptors.Handoff"/> until the next runner started:
    /// the fixed numbers serve one launch at a time.</summary>
    private static readonly System.Threading.Lock LaunchGate = new();

    /// <summary>Writes <paramref name="encoded"/> and the memory runs into a new sealed memfd.</summary>
    /// <param name="encoded">The state's header and payload.</param>
    /// <param name="memoryBase">Where guest address 0 is in this process (the kernel view), for the runs.</param>
    /// <param name="runs">Runs of guest memory to append (fork), or empty.</param>
    /// <returns>The memfd (close-on-exec), or <c>-errno</c>.</returns>
    public static long Create(byte[] encoded, nint memoryBase, IReadOnlyList<(ulong Start, ulong Length)> runs)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentNullException.ThrowIfNull(runs);
        long memfd = HostLinux.Syscall((long)SyscallNumber.MemfdCreate, "usermem-handoff\0"u8.ToArray(), 0, [0, (long)(MemfdFlags.CloseOnExec | MemfdFlags.AllowSealing), 0, 0, 0, 0]);
        if (memfd < 0)
        {
            return memfd;
        }

        long r = HostLinux.WriteAll((int)memfd, encoded);
        long offset = HandoffState.MemoryOffset(encoded.Length - HandoffState.HeaderSize);
        foreach ((ulong start, ulong length) in runs)
        {
            if (r < 0)
            {
                break;
            }

            long w = HostLinux.WriteAt((int)memfd, memoryBase + (nint)start, length, offset);
            r = w == (long)length ? 0 : (w < 0 ? w : -(long)LinuxError.EIO);
            offset += (long)length;
        }

        if (r >= 0)
        {
            r = HostLinux.Syscall((long)SyscallNumber.Fcntl, memfd, (long)FcntlCommand.AddSeals, AllSeals);
        }

        if (r < 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, memfd);
            return r;
        }

        return memfd;
    }

    /// <summary>Starts the next runner with the state in <paramref name="memfd"/> (closed here): a child process
    /// (fork) or this process's replacement (execve, returns only on failure).</summary>
    /// <param name="options">This runner's options (runner path and prefix arguments, trace flag).</param>
    /// <param name="memfd">The sealed state from <see cref="Create"/>.</param>
    /// <param name="replace">True for execve, false for a child process.</param>
    /// <returns>The child's pid (spawn), or <c>-errno</c>.</returns>
    public static long Launch(RunnerOptions options, long memfd, bool replace)
    {
        ArgumentNullException.ThrowIfNull(options);
        var argv = new List<byte[]> { Nul(options.RunnerPath) };
        foreach (string s in options.RunnerPrefixArguments)
        {
            argv.Add(Nul(s));
        }

        argv.Add(Nul(Option));
        byte[][] env = CleanEnvironment.ForNextRunner();

        // The state sits at the fixed number without close-on-exec only while the next runner starts; so does the
        // trace output (or its placeholder, so the number stays occupied in the next runner from its first instruction on).
        // Guest threads fork and exec concurrently: one launch at a time owns the fixed numbers.
        long r;
        lock (LaunchGate)
        {
            r = HostLinux.Syscall((long)SyscallNumber.Dup3, memfd, RunnerDescriptors.Handoff, 0);
            HostLinux.Syscall((long)SyscallNumber.Close, memfd);
            if (r < 0)
            {
                RunnerDescriptors.Reserve(RunnerDescriptors.Handoff);
                return r;
            }

            RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Trace, false);
            RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Sandbox, false);
            SandboxLifeline.BeforeLaunch(replace);

            byte[] path = Nul(options.RunnerPath);
            r = replace ? HostLinux.Execute(path, argv.ToArray(), env) : HostLinux.Spawn(path, argv.ToArray(), env);
            RunnerDescriptors.Reserve(RunnerDescriptors.Handoff);
            RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Trace, true);
            RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Sandbox, true);
            SandboxLifeline.AfterLaunch();
        }

        // A fork child joins the sandbox before fork returns to the guest, so the parent can signal it at once; a
        // child that cannot join (the sandbox is full) never runs guest code.
        if (!replace && r > 0 && SandboxTable.IsAttached && !SandboxTable.Register((int)r))
        {
            HostLinux.Syscall((long)SyscallNumber.Kill, r, SignalNumber.SIGKILL);
            HostLinux.Syscall((long)SyscallNumber.Wait4, r, 0, 0, 0);
            return -(long)LinuxError.EAGAIN;
        }

        return r;
    }

    /// <summary>Reads and validates the state on <see cref="RunnerDescriptors.Handoff"/>.</summary>
    /// <param name="memoryOffset">Where the fork memory starts in the descriptor.</param>
    /// <returns>The state.</returns>
    /// <exception cref="HandoffRejectedException">No sealed memfd there, or a state this runner did not write.</exception>
    public static HandoffState Read(out long memoryOffset)
    {
        const int fd = RunnerDescriptors.Handoff;
        long seals = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.GetSeals);
        if (seals == -(long)LinuxError.EBADF)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"no hand-off state on descriptor {fd}"));
        }

        if (seals < 0 || (seals & AllSeals) != AllSeals)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"descriptor {fd} is not a sealed hand-off memfd"));
        }

        byte[] header = new byte[HandoffState.HeaderSize];
        if (HostLinux.ReadExactlyAt(fd, header, 0) < 0)
        {
            throw new HandoffRejectedException("the hand-off state is shorter than its header");
        }

        int length = HandoffState.DecodeHeader(header, out HandoffKind kind);
        byte[] payload = new byte[length];
        if (HostLinux.ReadExactlyAt(fd, payload, HandoffState.HeaderSize) < 0)
        {
            throw new HandoffRejectedException("the hand-off state is truncated");
        }

        memoryOffset = HandoffState.MemoryOffset(length);
        return HandoffState.DecodePayload(kind, payload);
    }

    /// <summary>Closes the state and keeps its number reserved.</summary>
    public static void Finish() => RunnerDescriptors.Reserve(RunnerDescriptors.Handoff);

    private static byte[] Nul(string s) => [.. System.Text.Encoding.UTF8.GetBytes(s), 0];
}
