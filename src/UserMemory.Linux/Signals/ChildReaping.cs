using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Automatic reaping of children: a guest whose SIGCHLD is ignored (SIG_IGN) or carries SA_NOCLDWAIT leaves no
/// zombies on Linux, and its wait4/waitid block until every child has gone, then fail with ECHILD. Guest children are
/// the runner's own host children (one runner per guest process), so the host kernel decides: the runner's host
/// SIGCHLD action mirrors the guest's choice as SIG_DFL with SA_NOCLDWAIT. SIG_DFL keeps the signal generated (it
/// stays blocked and reaches the forwarding signalfd, so blocking waits wake when a child goes and a guest handler
/// registered with SA_NOCLDWAIT still runs); SA_NOCLDWAIT makes the host kernel reap the child itself. A reaped
/// child's slot in the sandbox table no longer matches a live process and counts as empty
/// (<see cref="Process.SandboxTable"/>), so its pid is gone for <c>kill</c> as on Linux.
/// </summary>
internal static class ChildReaping
{
    private const int SigactionSize = 32;
    private const int SignalSetSize = 8;
    private const int FlagsOffset = 8;
    private const ulong IgnoreHandler = 1;

    /// <summary>True when the guest's SIGCHLD disposition asks for automatic reaping.</summary>
    /// <param name="group">The guest process.</param>
    /// <returns>Whether children are reaped automatically.</returns>
    internal static bool IsAutomatic(ThreadGroup group) =>
        group.SignalHandlers[SignalNumber.SIGCHLD] == IgnoreHandler
        || (group.SignalExtras[SignalNumber.SIGCHLD].Flags & (ulong)SignalActionFlags.NoChildWait) != 0;

    /// <summary>Makes the runner's host SIGCHLD action match the guest's (call after the guest's SIGCHLD action
    /// changes and when forwarding starts). Does nothing while host signals are not forwarded (a kernel without a
    /// runner must not change its host process's dispositions).</summary>
    /// <param name="group">The guest process.</param>
    internal static void Apply(ThreadGroup group)
    {
        if (!HostSignalForwarding.IsActive)
        {
            return;
        }

        byte[] action = new byte[SigactionSize];
        if (IsAutomatic(group))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(action.AsSpan(FlagsOffset), (ulong)SignalActionFlags.NoChildWait);
        }

        _ = HostLinux.Syscall((long)SyscallNumber.RtSigaction, action, 1, default, HostLinux.NoSlot, [SignalNumber.SIGCHLD, 0, 0, SignalSetSize, 0, 0]);
    }
}
