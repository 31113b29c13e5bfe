using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu.Kvm;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Ends a blocking host call that a runner helper thread makes for the guest (today: the <c>open</c> of a FIFO in
/// <see cref="InterruptibleFifoOpen"/>) with EINTR, by sending that thread <see cref="Signal"/> with <c>tgkill</c>. The
/// signal's host action is a no-op handler without <c>SA_RESTART</c> (<see cref="NoOpSignalHandler"/>), so the call
/// fails with EINTR instead of restarting, and nothing else happens: unlike opening the FIFO's other end, no other
/// process waiting on the same FIFO notices.
/// </summary>
/// <remarks>
/// <para><b>Which signal.</b> 63 (SIGRTMAX - 1). The .NET runtime (NativeAOT in the runner, CoreCLR in tests) uses
/// SIGRTMIN (34) to inject activations, glibc uses 32 and 33 internally, and the KVM backend's vCPU stop signal is
/// <see cref="KvmVcpu.StopSignal"/> (62), whose handler restarts calls (a stop request that lands just after
/// <c>KVM_RUN</c> returned must not fail the host call that follows). 63 stays among the forwarded signals
/// (<see cref="HostSignalForwarding"/>): it is blocked in every runner thread, so a 63 sent by another process still
/// reaches the guest through the signalfd; only a helper thread unblocks it, for itself, while it makes its call.</para>
/// <para><b>Races.</b> The signal may arrive before the helper enters its call (the handler then runs for nothing and
/// the call blocks). So the helper checks a cancel flag before each attempt and retries a call that ended in EINTR
/// without one, and the canceller sets the flag and re-sends until the helper reports that its call returned. The
/// canceller sends only while the helper has not reported, so the thread id it signals is alive and still the
/// helper's.</para>
/// <para><b>Known difference.</b> A process-directed 63 from another process that arrives while a helper has it
/// unblocked may be taken by the helper (the no-op handler runs, the helper retries its call) instead of reaching
/// the guest.</para>
/// </remarks>
internal static class HelperThreadInterrupt
{
    /// <summary>The host signal that interrupts a helper thread's call.</summary>
    internal const int Signal = 63;

    private const int SignalSetSize = 8;

    /// <summary>Makes the signal's host action the no-op handler without <c>SA_RESTART</c>. Call before a helper may
    /// be signalled; every time, since <see cref="HostSignalForwarding"/> resets the actions of the forwarded signals
    /// when it attaches.</summary>
    internal static void Install() => NoOpSignalHandler.Install(Signal, restartCalls: false);

    /// <summary>Unblocks the signal for the calling (helper) thread only.</summary>
    internal static void UnblockForThisThread()
    {
        byte[] set = new byte[SignalSetSize];
        BinaryPrimitives.WriteUInt64LittleEndian(set, SignalNumber.Bit(Signal));
        _ = HostLinux.Syscall((long)SyscallNumber.RtSigprocmask, set, 1, default, HostLinux.NoSlot, [(long)SigProcMaskHow.Unblock, 0, 0, SignalSetSize, 0, 0]);
    }

    /// <summary>The calling thread's host thread id.</summary>
    /// <returns>The id.</returns>
    internal static int CurrentThreadId() => (int)HostLinux.Syscall((long)SyscallNumber.Gettid);

    /// <summary>Sends the signal to host thread <paramref name="threadId"/> of this process.</summary>
    /// <param name="threadId">A live helper thread.</param>
    internal static void Send(int threadId) =>
        _ = HostLinux.Syscall((long)SyscallNumber.Tgkill, HostLinux.Syscall((long)SyscallNumber.Getpid), threadId, Signal);
}
