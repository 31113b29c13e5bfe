using System;
using System.Collections.Generic;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// Running guest signal handlers, for the signals this runner raises itself: a signal a process sends to itself, and
/// SIGCHLD while the guest waits in <c>rt_sigsuspend</c> (busybox ash's <c>wait</c>). The interrupted registers and
/// mask are kept on the host side (a guest cannot tamper with them); the guest stack gets a frame with the return
/// address (<c>sa_restorer</c>), a siginfo and a zeroed ucontext, and <c>rt_sigreturn</c> restores the saved state.
/// </summary>
public sealed partial class GuestProcess
{
    private const ulong SaRestorer = 0x04000000;
    private const ulong SaNoDefer = 0x40000000;
    private const ulong SaResetHand = 0x80000000;

    private readonly Stack<(ulong[] Registers, ulong Mask)> _signalFrames = new();
    private int _pendingSignal;
    private ulong _pendingSignalSavedMask;
    private bool _pendingSignalHasSavedMask;
    private bool _pendingSigreturn;

    /// <summary>Asks for <paramref name="signal"/>'s handler to run when the current syscall returns.</summary>
    private void QueueSignal(int signal, ulong? savedMask = null)
    {
        _pendingSignal = signal;
        _pendingSignalHasSavedMask = savedMask.HasValue;
        _pendingSignalSavedMask = savedMask ?? 0;
        Cpu.RequestStop();
    }

    /// <summary>After a stop: performs a queued rt_sigreturn or signal delivery; returns where to resume.</summary>
    private ulong ApplySignalActions(ulong rip)
    {
        if (_pendingSigreturn)
        {
            _pendingSigreturn = false;
            if (!_signalFrames.TryPop(out var frame))
            {
                Terminate(Signals.SIGSEGV);
            }

            ForkState.RestoreRegisters(Cpu, frame.Registers);
            SignalMask = frame.Mask;
            return frame.Registers[ForkState.RipIndex];
        }

        if (_pendingSignal != 0)
        {
            int signal = _pendingSignal;
            _pendingSignal = 0;
            return DeliverSignal(signal, rip, _pendingSignalHasSavedMask ? _pendingSignalSavedMask : SignalMask);
        }

        return rip;
    }

    private ulong DeliverSignal(int signal, ulong rip, ulong maskToRestore)
    {
        ulong handler = SignalHandlers[signal];
        if (handler == 1 || (handler == 0 && Signals.DefaultIsHarmless(signal)))
        {
            SignalMask = maskToRestore;
            return rip;
        }

        if (handler == 0)
        {
            Terminate(signal);
        }

        (ulong flags, ulong restorer, ulong mask) = SignalExtras[signal];
        ulong[] registers = ForkState.CaptureRegisters(Cpu);
        registers[ForkState.RipIndex] = rip;
        _signalFrames.Push((registers, maskToRestore));
        SignalMask = maskToRestore | mask | ((flags & SaNoDefer) != 0 ? 0 : 1UL << (signal - 1));
        if ((flags & SaResetHand) != 0)
        {
            SignalHandlers[signal] = 0;
        }

        // Below the red zone: ucontext (936 bytes, zeroed) and siginfo (128 bytes), 16-aligned, then the return address.
        ulong sp = (registers[ForkState.RspIndex] - 128 - 1024 - 128) & ~15UL;
        ulong siginfo = sp;
        ulong ucontext = sp + 128;
        byte[] info = new byte[128];
        BitConverter.TryWriteBytes(info.AsSpan(0), signal);
        BitConverter.TryWriteBytes(info.AsSpan(16), Pid); // si_pid
        byte[] context = new byte[1024];
        sp -= 8;
        if (CopyOut(siginfo, info) < 0 || CopyOut(ucontext, context) < 0
            || WriteU64(sp, (flags & SaRestorer) != 0 ? restorer : 0) < 0)
        {
            Terminate(Signals.SIGSEGV);
        }

        Cpu.Write(CpuRegister.Rsp, sp);
        Cpu.Write(CpuRegister.Rdi, (ulong)signal);
        Cpu.Write(CpuRegister.Rsi, siginfo);
        Cpu.Write(CpuRegister.Rdx, ucontext);
        Cpu.Write(CpuRegister.Rax, 0);
        return handler;
    }

    private long SigReturn()
    {
        _pendingSigreturn = true;
        Cpu.RequestStop();
        return 0;
    }

    /// <summary>rt_sigsuspend: with the given mask, waits for a signal. The signals this runner can see arriving are
    /// its children's state changes: it waits (without reaping) until a child is waitable and runs the guest's
    /// SIGCHLD handler, then answers EINTR like Linux.</summary>
    private long SigSuspend(ulong maskAddr, ulong size)
    {
        if (size != 8)
        {
            return Einval;
        }

        if (ReadU64(maskAddr, out ulong mask) < 0)
        {
            return Efault;
        }

        ulong old = SignalMask;
        bool chldDeliverable = SignalHandlers[Signals.SIGCHLD] > 1 && (mask & (1UL << (Signals.SIGCHLD - 1))) == 0;
        byte[] info = new byte[128];
        long r = HostSpanCall(247 /* waitid */, info, 2, 0 /* P_ALL */, 0, 0, 4 /* WEXITED */ | 0x01000000 /* WNOWAIT */, 0);
        if (r >= 0 && chldDeliverable)
        {
            SignalMask = mask;
            QueueSignal(Signals.SIGCHLD, old);
        }

        return -(long)LinuxError.EINTR;
    }
}
