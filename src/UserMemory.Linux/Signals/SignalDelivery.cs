using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Signals;

/// <summary>
/// Running guest signal handlers, for the signals this runner raises itself: a signal a process sends to itself, and
/// SIGCHLD while the guest waits in <c>rt_sigsuspend</c> (busybox ash's <c>wait</c>). The interrupted registers and
/// mask are kept on the host side (a guest cannot tamper with them); the guest stack gets a frame with the return
/// address (<c>sa_restorer</c>), a siginfo and a zeroed ucontext, and <c>rt_sigreturn</c> restores the saved state.
/// </summary>
internal static class SignalDelivery
{
    private const int RedZone = 128;
    private const int ContextReserve = 1024; // room for a (zeroed) libc-sized ucontext_t
    private const ulong StackAlignMask = 15;
    private const int SigInfoPidOffset = 16;

    /// <summary>Asks for <paramref name="signal"/>'s handler to run when the current syscall returns.</summary>
    internal static void QueueSignal(Task t, int signal, ulong? savedMask = null)
    {
        t.PendingSignal = signal;
        t.PendingSignalSavedMask = savedMask;
        t.Cpu.RequestStop();
    }

    /// <summary>After a stop: performs a queued rt_sigreturn or signal delivery; returns where to resume.</summary>
    internal static ulong ApplySignalActions(Task t, ulong rip)
    {
        if (t.PendingSigreturn)
        {
            t.PendingSigreturn = false;
            if (!t.SignalFrames.TryPop(out var frame))
            {
                t.Group.Terminate(SignalNumber.SIGSEGV);
            }

            ForkState.RestoreRegisters(t.Cpu, frame.Registers);
            t.SignalMask = frame.Mask;
            return frame.Registers[ForkState.RipIndex];
        }

        if (t.PendingSignal != 0)
        {
            int signal = t.PendingSignal;
            t.PendingSignal = 0;
            return DeliverSignal(t, signal, rip, t.PendingSignalSavedMask ?? t.SignalMask);
        }

        return rip;
    }

    private static ulong DeliverSignal(Task t, int signal, ulong rip, ulong maskToRestore)
    {
        ulong handler = t.Group.SignalHandlers[signal];
        if (handler == 1 || (handler == 0 && DefaultSignalAction.IsHarmless(signal)))
        {
            t.SignalMask = maskToRestore;
            return rip;
        }

        if (handler == 0)
        {
            t.Group.Terminate(signal);
        }

        (ulong flags, ulong restorer, ulong mask) = t.Group.SignalExtras[signal];
        ulong[] registers = ForkState.CaptureRegisters(t.Cpu);
        registers[ForkState.RipIndex] = rip;
        t.SignalFrames.Push((registers, maskToRestore));
        t.SignalMask = maskToRestore | mask | ((flags & (ulong)SignalActionFlags.NoDefer) != 0 ? 0 : SignalNumber.Bit(signal));
        if ((flags & (ulong)SignalActionFlags.ResetHandler) != 0)
        {
            t.Group.SignalHandlers[signal] = 0;
        }

        // Below the red zone: ucontext (936 bytes, zeroed) and siginfo (128 bytes), 16-aligned, then the return address.
        ulong sp = (registers[ForkState.RspIndex] - RedZone - ContextReserve - SigInfo.Size) & ~StackAlignMask;
        ulong siginfo = sp;
        ulong ucontext = sp + SigInfo.Size;
        byte[] info = new byte[SigInfo.Size];
        BitConverter.TryWriteBytes(info.AsSpan(0), signal);
        BitConverter.TryWriteBytes(info.AsSpan(SigInfoPidOffset), t.Group.Pid);
        byte[] context = new byte[ContextReserve];
        sp -= 8;
        if (t.CopyOut(siginfo, info) < 0 || t.CopyOut(ucontext, context) < 0
            || t.WriteU64(sp, (flags & (ulong)SignalActionFlags.Restorer) != 0 ? restorer : 0) < 0)
        {
            t.Group.Terminate(SignalNumber.SIGSEGV);
        }

        t.Cpu.Write(CpuRegister.Rsp, sp);
        t.Cpu.Write(CpuRegister.Rdi, (ulong)signal);
        t.Cpu.Write(CpuRegister.Rsi, siginfo);
        t.Cpu.Write(CpuRegister.Rdx, ucontext);
        t.Cpu.Write(CpuRegister.Rax, 0);
        return handler;
    }
}
