using System;
using System.Collections.Generic;
using System.Globalization;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Process;

/// <summary>
/// The receiving runner's side of a hand-off (<c>usermem-run --handoff</c>): reads and validates the state from
/// <see cref="HandoffChannel"/>, builds the guest process it describes (a fresh program for execve, a rebuilt copy for
/// fork) and applies what both share: descriptors, signal dispositions and mask, resource limits, runner settings.
/// </summary>
public static class ProcessHandoff
{
    /// <summary>Receives the state and builds the process.</summary>
    /// <param name="baseOptions">This runner's path and prefix arguments (its settings come from the state).</param>
    /// <param name="process">The process, ready to <see cref="ThreadGroup.Run"/> at <paramref name="entry"/>.</param>
    /// <param name="entry">Where to start (the new program's entry, or the fork's return address).</param>
    /// <param name="program">The program named in the state (for an error message).</param>
    /// <returns>0, or <c>-errno</c> when the program of an execve cannot be loaded.</returns>
    /// <exception cref="HandoffRejectedException">No valid state on the hand-off descriptor.</exception>
    public static long Receive(RunnerOptions baseOptions, out ThreadGroup? process, out ulong entry, out byte[] program)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        HandoffState state = HandoffChannel.Read(out long memoryOffset);
        program = state.Program;
        var options = new RunnerOptions
        {
            RunnerPath = baseOptions.RunnerPath,
            RunnerPrefixArguments = baseOptions.RunnerPrefixArguments,
            Trace = (state.Flags & HandoffFlags.Trace) != 0,
            Stats = (state.Flags & HandoffFlags.Stats) != 0,
            TracePidPrefix = (state.Flags & HandoffFlags.TracePidPrefix) != 0,
            ReadOnly = (state.Flags & HandoffFlags.ReadOnly) != 0,
            Cpu = CpuBackendSelector.ForNextRunner(state.Cpu),
            MemoryLimit = state.MemoryLimit,
            Root = state.Root.Length == 0 ? null : System.Text.Encoding.UTF8.GetString(state.Root),
        };
        bool traceOpen = RunnerDescriptors.IsOpen(RunnerDescriptors.Trace);
        if ((options.Trace || options.Stats) && !traceOpen)
        {
            throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"the state asks for tracing but descriptor {RunnerDescriptors.Trace} is not open"));
        }

        RunnerDescriptors.Check(traceOpen ? RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Trace, true) : RunnerDescriptors.Reserve(RunnerDescriptors.Trace), "reserving the trace descriptor");
        RunnerDescriptors.Check(SandboxTable.Attach(), "joining the sandbox");
        SandboxLifeline.Attach();

        try
        {
            if (state.Kind == HandoffKind.Fork)
            {
                (process, entry) = ForkState.Resume(state, memoryOffset, options);
                InheritCommandName(process, state);
                CloseStrays(process);
                return 0;
            }

            FdTable fds = ParseFdTable(state.FdTable);
            var argv = new List<byte[]>(state.Arguments);
            long r = ThreadGroup.Start(options, state.Program, state.ExecName.Length > 0 ? state.ExecName : state.Program, argv, state.Environment, fds, out process, out entry);
            if (r < 0)
            {
                return r;
            }

            ApplyCommon(process!, state);
            CloseStrays(process!);
            return 0;
        }
        finally
        {
            HandoffChannel.Finish();
        }
    }

    /// <summary>Once the process is built from a valid state (its memory snapshot adopted, its shared objects owned with
    /// close-on-exec), every host descriptor without close-on-exec that its table does not name is a stray inherited
    /// by accident: closed before guest code runs; and an entry whose host descriptor did not arrive is dropped. A
    /// rejected state never gets here, so its message still reaches the standard error it was started with.</summary>
    private static void CloseStrays(ThreadGroup process)
    {
        StrayDescriptors.DropUnbacked(process.Fds);
        StrayDescriptors.CloseAllExcept(process.Fds.HostDescriptors());
    }

    /// <summary>The command name the fork parent had, when the state names one.</summary>
    private static void InheritCommandName(ThreadGroup process, HandoffState state)
    {
        if (state.CommandName.Length > 0)
        {
            process.CommandName = state.CommandName;
        }
    }

    /// <summary>The runner settings a next runner inherits.</summary>
    /// <param name="options">This runner's options.</param>
    /// <param name="forkChild">True for a fork child (its trace lines carry its pid).</param>
    /// <returns>The flags.</returns>
    public static HandoffFlags FlagsOf(RunnerOptions options, bool forkChild)
    {
        ArgumentNullException.ThrowIfNull(options);
        HandoffFlags flags = HandoffFlags.None;
        flags |= options.Trace ? HandoffFlags.Trace : HandoffFlags.None;
        flags |= options.Stats ? HandoffFlags.Stats : HandoffFlags.None;
        flags |= options.TracePidPrefix || forkChild ? HandoffFlags.TracePidPrefix : HandoffFlags.None;
        flags |= options.ReadOnly ? HandoffFlags.ReadOnly : HandoffFlags.None;
        return flags;
    }

    /// <summary>The confinement root as the state carries it (empty for none).</summary>
    /// <param name="options">This runner's options.</param>
    /// <returns>The root's bytes.</returns>
    public static byte[] RootBytes(RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Root is string root ? System.Text.Encoding.UTF8.GetBytes(System.IO.Path.GetFullPath(root)) : [];
    }

    /// <summary>Parses the state's descriptor table; a malformed table, or one naming a runner descriptor, is
    /// rejected.</summary>
    /// <param name="text">The table text.</param>
    /// <returns>The table.</returns>
    /// <exception cref="HandoffRejectedException">Malformed.</exception>
    public static FdTable ParseFdTable(string text)
    {
        FdTable fds;
        try
        {
            fds = FdTable.Parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new HandoffRejectedException("descriptor table: " + e.Message, e);
        }

        foreach (int g in fds.GuestDescriptors())
        {
            if (RunnerDescriptors.IsReserved(fds.HostOf(g)))
            {
                throw new HandoffRejectedException(string.Create(CultureInfo.InvariantCulture, $"descriptor table: guest {g} names a runner descriptor"));
            }
        }

        return fds;
    }

    /// <summary>Applies the signal dispositions, mask and resource limits of a state.</summary>
    /// <param name="process">The process.</param>
    /// <param name="state">The validated state.</param>
    public static void ApplyCommon(ThreadGroup process, HandoffState state)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(state);
        state.SignalHandlers.CopyTo(process.SignalHandlers, 0);
        state.SignalExtras.CopyTo(process.SignalExtras, 0);
        process.MainTask.SignalMask = state.SignalMask;
        process.Limits = ResourceLimits.FromArray(state.Limits) ?? throw new HandoffRejectedException("resource limits");
    }
}
