using System;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Process;

/// <summary>
/// <c>execve</c> without a new runner: the new program is loaded into a new thread group of the same kernel, in this
/// host process, and runs on the same host thread once the old program's <c>execve</c> has returned. A host
/// <c>execve</c> of the runner (<see cref="ExecHandoff"/>) costs a whole runner start (the runtime, the CPU library's
/// relocations, the hand-off state): about half of a fork plus exec in a shell loop.
/// </summary>
/// <remarks>
/// <para>What a host <c>execve</c> did implicitly is done explicitly, as Linux's exec does it for the guest:</para>
/// <list type="bullet">
/// <item>close-on-exec descriptors are closed (the caller, which knows them);</item>
/// <item>the address space, the CPU, the task's wake-up descriptor and the working-directory descriptor of the old
/// process are released; a parent that lent its memory to this process (vfork) runs on when the old space goes;</item>
/// <item>the robust futex list is released and POSIX timers are deleted; interval timers and <c>alarm</c>, which
/// are the host process's, stay, as they do on Linux;</item>
/// <item>signal dispositions are reset (ignored ones stay ignored), the mask, the pending signals and the resource
/// limits carry over, and so does the personality;</item>
/// <item>host signal forwarding moves to the new main task.</item>
/// </list>
/// <para>It is used only when the host <c>execve</c> would add nothing: the caller is the process's only task, no
/// other thread is still finishing its exit, and the caller runs on the runner's main thread (a host exec would also
/// end the other host threads), and the CPU backend is
/// still usable (after dropping root the guest may no longer open <c>/dev/kvm</c>, and a next runner would fall back
/// to Unicorn). Otherwise the runner re-executes itself as before.</para>
/// </remarks>
internal static class InProcessExec
{
    /// <summary>Whether <paramref name="task"/>'s execve can replace its process inside this runner.</summary>
    /// <param name="task">The task calling execve.</param>
    /// <returns>True when it can.</returns>
    internal static bool CanReplace(Task task) =>
        ReferenceEquals(task, task.Group.MainTask)
        && task.Group.TaskCount == 1
        && task.Group.ThreadsFinishing == 0
        && task.Replacement is null
        && CpuBackendSelector.ForNextRunner(task.Group.Options.Cpu) == task.Group.Options.Cpu;

    /// <summary>Loads the new program described by <paramref name="state"/> (an exec state, as a next runner would
    /// receive it) into a new process of the same kernel and records it as <paramref name="task"/>'s replacement.
    /// Nothing of the old process is given up yet.</summary>
    /// <param name="task">The task calling execve (<see cref="CanReplace"/> holds).</param>
    /// <param name="state">The exec state.</param>
    /// <param name="next">The descriptor table after the exec.</param>
    /// <param name="handled">False when the CPU backend refused a new machine here (the caller re-executes the
    /// runner instead, whose start chooses a backend again); true when the result is this path's answer.</param>
    /// <returns>0, or <c>-errno</c> when the program cannot be loaded (the old program goes on).</returns>
    internal static long Begin(Task task, HandoffState state, FdTable next, out bool handled)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(state);
        handled = false;
        ThreadGroup old = task.Group;
        var argv = new List<byte[]>(state.Arguments);
        long r;
        ThreadGroup? process;
        ulong entry;
        try
        {
            r = ThreadGroup.Start(old.Options, state.Program, state.ExecName.Length > 0 ? state.ExecName : state.Program, argv, state.Environment, next, old.Kernel, out process, out entry);
        }
        catch (InvalidOperationException)
        {
            return 0; // KVM refused a new VM (its message names why): the host execve path decides again
        }

        handled = true;
        if (r < 0)
        {
            return r;
        }

        ProcessHandoff.ApplyCommon(process!, state);
        process!.Personality = old.Personality;
        task.Replacement = new ExecReplacement(process, entry);
        task.Cpu.RequestStop(); // a backend that runs syscalls inside its own hook stops before the next instruction
        return 0;
    }

    /// <summary>Finishes the replacement once the old task's run loop has ended: forwarding moves to the new task, the
    /// pending signals follow it, and the old process is torn down.</summary>
    /// <param name="old">The task that called execve.</param>
    /// <param name="replacement">Its replacement.</param>
    /// <returns>The new process's main task, ready to run at <see cref="ExecReplacement.Entry"/>.</returns>
    internal static Task Complete(Task old, ExecReplacement replacement)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(replacement);
        Task task = replacement.Group.MainTask;
        old.Replacement = null; // nothing of the old process may keep the chain of later processes alive
        HostSignalForwarding.Retarget(task);
        MovePendingSignals(old, task);
        ThreadTimerTargets.DeleteAll();
        old.Group.Loan = null;
        old.Group.DisposeAfterExec();
        return task;
    }

    /// <summary>Pending signals survive execve: thread-directed ones stay with the thread, the others with the
    /// process.</summary>
    private static void MovePendingSignals(Task from, Task to)
    {
        while (true)
        {
            bool threadDirected = from.Signals.Private.Set != 0; // taken first, as TryTakeFrom does
            if (!SignalDelivery.TryTakeFrom(from, ulong.MaxValue, out SigInfo info))
            {
                return;
            }

            _ = SignalDelivery.Send(to, info, threadDirected);
        }
    }
}
