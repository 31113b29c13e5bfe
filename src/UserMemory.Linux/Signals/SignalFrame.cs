using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// The x86-64 <c>rt_sigframe</c> Linux builds on the guest stack for a handler, and its undoing by
/// <c>rt_sigreturn</c>: the return address (<c>sa_restorer</c>), a <c>ucontext</c> with the interrupted registers,
/// alternate stack and mask, and the <c>siginfo</c>. Written and read only through the core (copies), so a bad stack
/// is a fault, never a host crash. What the guest changes in the frame is what <c>rt_sigreturn</c> restores, as on
/// Linux; flags are limited to the ones user code may set.
/// </summary>
internal static class SignalFrame
{
    /// <summary>The x86-64 red zone below RSP that a frame must not overwrite.</summary>
    private const ulong RedZone = 128;

    /// <summary>Room for the FPU state: an <c>fxsave</c> area (SSE registers and control words) that
    /// <c>fpstate</c> points at, restored by <c>rt_sigreturn</c>.</summary>
    private const ulong FpuReserve = ICpu.FxsaveSize;

    private const ulong FpuAlignMask = 63;
    private const ulong StackAlignMask = 15;

    /// <summary>The guest code and stack selectors Linux reports (<c>__USER_CS</c>, <c>__USER_DS</c>).</summary>
    private const ushort UserCodeSelector = 0x33;
    private const ushort UserStackSelector = 0x2b;

    /// <summary><c>UC_STRICT_RESTORE_SS</c>: rt_sigreturn restores SS from the frame instead of forcing a valid one.</summary>
    private const ulong StrictRestoreSs = 0x4;

    /// <summary><c>UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS</c>.</summary>
    private const ulong ContextFlags = 0x2 | StrictRestoreSs;

    /// <summary>The requested privilege level Linux ORs into restored selectors (ring 3).</summary>
    private const ushort UserPrivilege = 3;

    /// <summary><c>fxrstor</c> faults on an area not aligned to 16 bytes.</summary>
    private const ulong FxrstorAlignMask = 15;

    /// <summary>The flags user code may change through a frame (<c>FIX_EFLAGS</c>: CF PF AF ZF SF TF DF OF RF AC).</summary>
    private const ulong UserFlagsMask = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000;

    /// <summary>Flags Linux clears on handler entry (TF, DF, RF).</summary>
    private const ulong ClearedOnEntry = 0x100 | 0x400 | 0x10000;

    /// <summary><c>SS_ONSTACK</c>.</summary>
    internal const int OnStack = 1;

    /// <summary><c>SS_DISABLE</c>.</summary>
    internal const int Disable = 2;

    /// <summary><c>SS_AUTODISARM</c>.</summary>
    internal const int AutoDisarm = unchecked((int)0x80000000);

    private static readonly int ContextSize = Marshal.SizeOf<UContext>();
    private static readonly int FrameSize = sizeof(ulong) + ContextSize + SigInfo.Size;

    /// <summary>True when <paramref name="sp"/> lies on the task's alternate stack (<c>on_sig_stack</c>).</summary>
    /// <param name="t">The task.</param>
    /// <param name="sp">A stack pointer.</param>
    /// <returns>Whether it is on the alternate stack.</returns>
    internal static bool IsOnAltStack(Task t, ulong sp)
    {
        SignalStack s = t.AltStack;
        return s.Size != 0 && sp > s.Pointer && sp - s.Pointer <= s.Size;
    }

    /// <summary><c>ss_flags</c> as <c>sigaltstack</c> and <c>uc_stack</c> report them for <paramref name="sp"/>.</summary>
    /// <param name="t">The task.</param>
    /// <param name="sp">The stack pointer.</param>
    /// <returns>SS_DISABLE, SS_ONSTACK or 0 (with SS_AUTODISARM when set).</returns>
    internal static int ReportedFlags(Task t, ulong sp)
    {
        SignalStack s = t.AltStack;
        if (s.Size == 0)
        {
            return Disable;
        }

        return (IsOnAltStack(t, sp) ? OnStack : 0) | (s.Flags & AutoDisarm);
    }

    /// <summary>Builds the frame for a handler and points the CPU at it.</summary>
    /// <param name="t">The task (its CPU holds the interrupted registers, RIP = <paramref name="rip"/>).</param>
    /// <param name="rip">Where the interrupted code resumes.</param>
    /// <param name="info">The siginfo.</param>
    /// <param name="action">The handler's sigaction.</param>
    /// <param name="maskToRestore">The mask <c>rt_sigreturn</c> restores.</param>
    /// <returns>The handler's address, or null when the frame could not be written (Linux then forces SIGSEGV).</returns>
    internal static ulong? Push(Task t, ulong rip, in SigInfo info, in KernelSigaction action, ulong maskToRestore)
    {
        ICpu cpu = t.Cpu;
        ulong interruptedSp = cpu.Read(CpuRegister.Rsp);
        var flags = (SignalActionFlags)action.Flags;
        if ((flags & SignalActionFlags.Restorer) == 0)
        {
            return null; // x86-64 has no default return path: Linux fails the frame
        }

        ulong sp = interruptedSp - RedZone;
        bool onAlt = IsOnAltStack(t, interruptedSp);
        SignalStack alt = t.AltStack;
        if ((flags & SignalActionFlags.OnStack) != 0 && alt.Size != 0 && !onAlt)
        {
            sp = alt.Pointer + alt.Size;
        }

        sp = (sp - FpuReserve) & ~FpuAlignMask;
        ulong fpstate = sp;
        byte[] vector = new byte[ICpu.FxsaveSize];
        if (!cpu.SaveVectorState(vector))
        {
            fpstate = 0;
        }

        sp = ((sp - (ulong)FrameSize) & ~StackAlignMask) - sizeof(ulong);
        if (onAlt && !IsOnAltStack(t, sp))
        {
            return null; // would overflow the alternate stack
        }

        FaultContext fault = t.Signals.Fault ?? default;
        var context = new UContext
        {
            Flags = ContextFlags,
            Stack = new SignalStack { Pointer = alt.Pointer, Size = alt.Size, Flags = ReportedFlags(t, interruptedSp) },
            Machine = new SigContext
            {
                R8 = cpu.Read(CpuRegister.R8),
                R9 = cpu.Read(CpuRegister.R9),
                R10 = cpu.Read(CpuRegister.R10),
                R11 = cpu.Read(CpuRegister.R11),
                R12 = cpu.Read(CpuRegister.R12),
                R13 = cpu.Read(CpuRegister.R13),
                R14 = cpu.Read(CpuRegister.R14),
                R15 = cpu.Read(CpuRegister.R15),
                Rdi = cpu.Read(CpuRegister.Rdi),
                Rsi = cpu.Read(CpuRegister.Rsi),
                Rbp = cpu.Read(CpuRegister.Rbp),
                Rbx = cpu.Read(CpuRegister.Rbx),
                Rdx = cpu.Read(CpuRegister.Rdx),
                Rax = cpu.Read(CpuRegister.Rax),
                Rcx = cpu.Read(CpuRegister.Rcx),
                Rsp = interruptedSp,
                Rip = rip,
                Rflags = cpu.Read(CpuRegister.Rflags),
                Cs = UserCodeSelector,
                Ss = UserStackSelector,
                Error = fault.ErrorCode,
                TrapNumber = fault.TrapNumber,
                OldMask = maskToRestore,
                Cr2 = fault.Address,
                FpState = fpstate,
            },
            SignalMask = maskToRestore,
        };

        byte[] frame = new byte[FrameSize];
        BitConverter.TryWriteBytes(frame.AsSpan(0), action.Restorer);
        MemoryMarshal.Write(frame.AsSpan(sizeof(ulong)), in context);
        SigInfo copy = info;
        MemoryMarshal.Write(frame.AsSpan(sizeof(ulong) + ContextSize), in copy);
        if (t.CopyOut(sp, frame) < 0 || (fpstate != 0 && t.CopyOut(fpstate, vector) < 0))
        {
            return null;
        }

        if ((alt.Flags & AutoDisarm) != 0)
        {
            t.AltStack = new SignalStack { Flags = Disable };
        }

        ulong context0 = sp + sizeof(ulong);
        cpu.Write(CpuRegister.Rsp, sp);
        cpu.Write(CpuRegister.Rdi, (ulong)info.Signal);
        cpu.Write(CpuRegister.Rsi, context0 + (ulong)ContextSize);
        cpu.Write(CpuRegister.Rdx, context0);
        cpu.Write(CpuRegister.Rax, 0);
        cpu.Write(CpuRegister.Rflags, context.Machine.Rflags & ~ClearedOnEntry);
        return action.Handler;
    }

    /// <summary>rt_sigreturn: restores the registers, mask and alternate stack from the frame whose <c>ucontext</c>
    /// is at RSP (the handler's <c>ret</c> popped the return address).</summary>
    /// <param name="t">The task.</param>
    /// <returns>Where to resume, or null when the frame cannot be read (Linux: SIGSEGV).</returns>
    internal static ulong? Pop(Task t)
    {
        ICpu cpu = t.Cpu;
        ulong at = cpu.Read(CpuRegister.Rsp);
        byte[] bytes = new byte[ContextSize];
        if (t.CopyIn(at, bytes) < 0)
        {
            return null;
        }

        UContext context = MemoryMarshal.Read<UContext>(bytes);
        SigContext m = context.Machine;
        if (!SelectorsReturnToUserMode(context))
        {
            return null; // Linux's iret back to user mode faults: SIGSEGV (a 32-bit code selector is not supported)
        }

        cpu.Write(CpuRegister.R8, m.R8);
        cpu.Write(CpuRegister.R9, m.R9);
        cpu.Write(CpuRegister.R10, m.R10);
        cpu.Write(CpuRegister.R11, m.R11);
        cpu.Write(CpuRegister.R12, m.R12);
        cpu.Write(CpuRegister.R13, m.R13);
        cpu.Write(CpuRegister.R14, m.R14);
        cpu.Write(CpuRegister.R15, m.R15);
        cpu.Write(CpuRegister.Rdi, m.Rdi);
        cpu.Write(CpuRegister.Rsi, m.Rsi);
        cpu.Write(CpuRegister.Rbp, m.Rbp);
        cpu.Write(CpuRegister.Rbx, m.Rbx);
        cpu.Write(CpuRegister.Rdx, m.Rdx);
        cpu.Write(CpuRegister.Rax, m.Rax);
        cpu.Write(CpuRegister.Rcx, m.Rcx);
        cpu.Write(CpuRegister.Rsp, m.Rsp);
        ulong flags = cpu.Read(CpuRegister.Rflags);
        cpu.Write(CpuRegister.Rflags, (flags & ~UserFlagsMask) | (m.Rflags & UserFlagsMask));
        t.SignalMask = context.SignalMask & ~SignalDelivery.Unblockable;
        if (m.FpState != 0)
        {
            byte[] vector = new byte[ICpu.FxsaveSize];
            if ((m.FpState & FxrstorAlignMask) != 0 || t.CopyIn(m.FpState, vector) < 0
                || (BitConverter.ToUInt32(vector, FxsaveLayout.Mxcsr) & ~FxsaveLayout.DefaultMxcsrMask) != 0)
            {
                return null; // Linux's fxrstor of the area faults (misaligned, unreadable, reserved MXCSR bits)
            }

            cpu.RestoreVectorState(vector);
        }

        // restore_altstack: a new stack from the frame applies unless it is invalid or we are on the current one.
        SignalStack s = context.Stack;
        if (!IsOnAltStack(t, m.Rsp) && SignalAltStack.Validate(s) == 0)
        {
            t.AltStack = SignalAltStack.Normalise(s);
        }

        return m.Rip;
    }

    /// <summary>Whether the frame's CS (and SS under <c>UC_STRICT_RESTORE_SS</c>), with Linux's ring 3 ORed in, are
    /// the 64-bit user selectors; anything else makes Linux's return to user mode fault.</summary>
    private static bool SelectorsReturnToUserMode(in UContext context) =>
        (context.Machine.Cs | UserPrivilege) == UserCodeSelector
        && ((context.Flags & StrictRestoreSs) == 0 || (context.Machine.Ss | UserPrivilege) == UserStackSelector);
}
