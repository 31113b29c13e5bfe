using System.Collections.Generic;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Process;

/// <summary>
/// The sending side of a guest <c>execve</c>: the program path, argv and envp (raw bytes, as the guest passed them),
/// the descriptors that survive the exec, the dispositions Linux keeps (ignored signals stay ignored, handlers become
/// default, flags, restorers and handler masks are cleared), the blocked mask and the limits go into a hand-off state,
/// and the runner re-executes itself with <c>--handoff</c> and the clean environment. Nothing of the guest reaches the
/// next runner's command line or environment. A single-threaded process skips the host execve: the same state
/// builds the new process inside this runner (<see cref="InProcessExec"/>).
/// </summary>
public static class ExecHandoff
{
    /// <summary>The handler value meaning "ignore".</summary>
    private const ulong SignalIgnore = 1;

    /// <summary>Replaces this runner with one running <paramref name="program"/>, or, when the process can be replaced
    /// inside this runner (<see cref="InProcessExec"/>), builds the new process and records it as the task's
    /// replacement.</summary>
    /// <param name="task">The calling task.</param>
    /// <param name="program">The program path (after <c>#!</c> resolution), without NUL.</param>
    /// <param name="execName">The path the guest passed to <c>execve</c>, without NUL (<c>AT_EXECFN</c>; its last
    /// component becomes the command name).</param>
    /// <param name="argv">The arguments, without NUL.</param>
    /// <param name="envp">The environment, without NUL.</param>
    /// <param name="next">The descriptor table after the exec (close-on-exec entries removed).</param>
    /// <returns>0 when the process was replaced inside this runner (the caller closes the close-on-exec descriptors),
    /// else <c>-errno</c> (a host execve returns only on failure).</returns>
    public static long Execute(Task task, byte[] program, byte[] execName, IReadOnlyList<byte[]> argv, IReadOnlyList<byte[]> envp, FdTable next)
    {
        System.ArgumentNullException.ThrowIfNull(task);
        System.ArgumentNullException.ThrowIfNull(next);
        if (program.Length > HandoffState.MaxPath || execName.Length > HandoffState.MaxPath || TooLong(argv) || TooLong(envp))
        {
            return -(long)LinuxError.E2BIG; // Linux: a string above MAX_ARG_STRLEN is E2BIG
        }

        ThreadGroup group = task.Group;
        ulong[] handlers = new ulong[group.SignalHandlers.Length];
        for (int s = 0; s < handlers.Length; s++)
        {
            handlers[s] = group.SignalHandlers[s] == SignalIgnore ? SignalIgnore : 0;
        }

        var state = new HandoffState
        {
            Kind = HandoffKind.Exec,
            Flags = ProcessHandoff.FlagsOf(group.Options, forkChild: false),
            Cpu = group.Options.Cpu,
            MemoryLimit = group.Options.MemoryLimit,
            Root = ProcessHandoff.RootBytes(group.Options),
            Program = program,
            ExecName = execName,
            Arguments = argv,
            Environment = envp,
            FdTable = next.Serialize(),
            SignalHandlers = handlers,
            SignalExtras = new (ulong, ulong, ulong)[handlers.Length],
            SignalMask = task.SignalMask,
            Limits = group.Limits.ToArray(),
        };
        if (InProcessExec.CanReplace(task))
        {
            long r = InProcessExec.Begin(task, state, next, out bool handled);
            if (handled)
            {
                return r;
            }
        }

        if (state.FdTable.Length > HandoffState.MaxFdTableText)
        {
            return -(long)LinuxError.ENOMEM; // a table (of synthetic entries) longer than a hand-off carries
        }

        byte[] encoded = state.Encode();
        if (encoded.Length - HandoffState.HeaderSize > HandoffState.MaxPayload)
        {
            return -(long)LinuxError.E2BIG;
        }

        long memfd = HandoffChannel.Create(encoded, 0, []);
        if (memfd < 0)
        {
            return memfd;
        }

        task.Kernel.Tracer?.ExecStarting(); // a host execve that works never returns to print the line
        SignalDelivery.PreserveAcrossExec(task); // the next runner reads them from its signalfd
        return HandoffChannel.Launch(group.Options, memfd, replace: true);
    }

    private static bool TooLong(IReadOnlyList<byte[]> strings)
    {
        foreach (byte[] s in strings)
        {
            if (s.Length >= HandoffState.MaxArgumentLength)
            {
                return true;
            }
        }

        return false;
    }
}
