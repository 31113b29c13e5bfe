using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// The sandbox's lifetime: a pipe whose write end only the first runner holds (at
/// <see cref="RunnerDescriptors.LifelineHolder"/>, passed on only to the runner that replaces it at an <c>execve</c>)
/// and whose read end every runner of the sandbox inherits (at <see cref="RunnerDescriptors.Lifeline"/>). When the
/// first runner's process ends, however it ends (its guest exits, the runner fails, the host kills it with SIGKILL),
/// the read end hangs up in every other runner, and each kills itself (<see cref="Watch"/>).
/// </summary>
/// <remarks>
/// <para>This is a PID namespace's rule, with the first guest process as its init: when it exits, every other process
/// of the guest is killed. Container runtimes and gVisor do the same. Without it, a guest process could outlive the
/// runner that started it: a harness that kills that runner on a timeout would leave a fork bomb, or a daemon the
/// guest detached with <c>setsid</c>, running on the host with nobody to stop it. The price is Linux's orphan rule
/// outside namespaces: a background job still running when the first guest process exits (<c>sh -c 'sleep 9 &amp;'</c>)
/// is killed here, where natively it would live on, re-parented to the host's init.</para>
/// <para>While the first runner lives, orphans behave as on Linux (re-parented, still running). Only the hang-up is a
/// signal: nobody ever writes to the pipe.</para>
/// </remarks>
public static class SandboxLifeline
{
    /// <summary>poll's <c>POLLHUP</c>: every write end is closed.</summary>
    internal const short HangUp = 0x10;

    /// <summary>poll's <c>POLLERR</c>.</summary>
    internal const short Error = 0x8;

    /// <summary>True in a runner that must die with the first runner: it has the read end and not the write end.</summary>
    internal static bool IsWatched { get; private set; }

    /// <summary>True in the runner that holds the write end (the first runner, or the runner that replaced it).</summary>
    private static bool s_holdsWriteEnd;

    /// <summary>While a fork child starts: where the write end waits while a placeholder stands at its number, or -1.</summary>
    private static long s_setAside = -1;

    /// <summary>The first runner: creates the pipe, both ends close-on-exec at their fixed numbers.</summary>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long Create()
    {
        byte[] ends = new byte[2 * sizeof(int)];
        long r = HostLinux.Syscall((long)SyscallNumber.Pipe2, ends, 0, [0, (long)OpenFlags.CloseOnExec, 0, 0, 0, 0]);
        if (r < 0)
        {
            return r;
        }

        int read = BinaryPrimitives.ReadInt32LittleEndian(ends);
        int write = BinaryPrimitives.ReadInt32LittleEndian(ends.AsSpan(sizeof(int)));
        r = RunnerDescriptors.MoveTo(read, RunnerDescriptors.Lifeline);
        long w = RunnerDescriptors.MoveTo(write, RunnerDescriptors.LifelineHolder);
        IsWatched = false;
        s_holdsWriteEnd = w >= 0;
        return r < 0 ? r : w;
    }

    /// <summary>A next runner: takes over what its predecessor left at the fixed numbers (close-on-exec again). It is
    /// watched when it has the read end but not the write end; a runner started by something other than a runner has
    /// neither and lives on its own. A number without its pipe end holds a placeholder (as every runner hands on), so
    /// the host never gives it to a descriptor the guest opens: a guest descriptor there would pass for the lifeline
    /// in the next runner, and a fork child refuses a table that names a runner number.</summary>
    internal static void Attach()
    {
        bool holder = IsPipeEnd(RunnerDescriptors.LifelineHolder);
        bool reader = IsPipeEnd(RunnerDescriptors.Lifeline);
        Occupy(RunnerDescriptors.LifelineHolder, holder);
        Occupy(RunnerDescriptors.Lifeline, reader);
        s_holdsWriteEnd = holder;
        IsWatched = reader && !holder;
    }

    /// <summary>Before the next runner starts (the caller serialises launches): the read end goes to every next
    /// runner, the write end only to a replacement (<paramref name="replace"/>, an <c>execve</c> of this process); a
    /// fork child gets a placeholder at the write end's number instead (the write end waits at another number
    /// meanwhile, so the pipe never hangs up), and so does every next runner of a runner without the write end: every
    /// runner starts with both numbers occupied.</summary>
    /// <param name="replace">True when the next runner replaces this process.</param>
    internal static void BeforeLaunch(bool replace)
    {
        _ = RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Lifeline, false);
        if (s_holdsWriteEnd && !replace)
        {
            long aside = HostLinux.Syscall((long)SyscallNumber.Fcntl, RunnerDescriptors.LifelineHolder, (long)FcntlCommand.DupFdCloseOnExec, RunnerDescriptors.Highest + 1);
            if (aside < 0)
            {
                return; // no room to set it aside: the child starts without the number occupied (it takes a placeholder)
            }

            s_setAside = aside;
            _ = RunnerDescriptors.Reserve(RunnerDescriptors.LifelineHolder);
        }

        _ = RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.LifelineHolder, false);
    }

    /// <summary>After the launch (or its failure): the write end back at its number, both close-on-exec again.</summary>
    internal static void AfterLaunch()
    {
        if (s_setAside >= 0)
        {
            _ = RunnerDescriptors.MoveTo(s_setAside, RunnerDescriptors.LifelineHolder);
            s_setAside = -1;
        }

        _ = RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Lifeline, true);
        _ = RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.LifelineHolder, true);
    }

    private static bool IsPipeEnd(int number) => RunnerDescriptors.IsOpen(number) && HostLinux.IsFifo(number);

    /// <summary>Keeps <paramref name="number"/> close-on-exec: its pipe end when <paramref name="real"/>, else a
    /// placeholder.</summary>
    private static void Occupy(int number, bool real) =>
        _ = real ? RunnerDescriptors.SetCloseOnExec(number, true) : RunnerDescriptors.Reserve(number);

    /// <summary>Called with the read end's <c>poll</c> events: on a hang-up, the first runner is gone and this runner
    /// kills itself (SIGKILL, so nothing of the guest runs on).</summary>
    /// <param name="events">The returned events of the lifeline's poll entry.</param>
    internal static void Watch(short events)
    {
        if ((events & (HangUp | Error)) != 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Kill, HostLinux.Syscall((long)SyscallNumber.Getpid), SignalNumber.SIGKILL);
        }
    }
}
