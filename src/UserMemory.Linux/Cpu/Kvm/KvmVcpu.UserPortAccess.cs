using System;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// User code touching the syscall port itself. Under PVM the syscall entry runs in user mode, so the TSS I/O bitmap
/// has to let user mode reach <see cref="KernelStub.SyscallPort"/> (see <see cref="KernelStub"/>), and any user
/// instruction can then use it: <c>in</c>, <c>out</c>, <c>ins</c>, <c>outs</c>, at any address. On Linux each of
/// them is a #GP at the instruction with nothing changed.
/// </summary>
/// <remarks>
/// <para>Such an access leaves KVM half way through the instruction: it completes it (fills AL for an <c>in</c>,
/// advances RIP, goes on with a string instruction, storing what an <c>ins</c> read into the guest's buffer) on the
/// next <c>KVM_RUN</c>, whatever registers the host set meanwhile. Left alone, that completion overwrote the signal
/// handler's entry state and the guest ran on past the instruction. So the access is finished at once with
/// <c>immediate_exit</c> set, which completes it without running a guest instruction, and made harmless first:</para>
/// <list type="bullet">
/// <item>the count register is cut to one element, so a <c>rep ins</c> stores at most one more element;</item>
/// <item>that element's data is what the guest's buffer already holds there, so the store changes nothing (zeros
/// where the buffer cannot be read; the store then faults inside KVM, and that fault is dropped);</item>
/// <item>any exception the completion left pending is dropped, and the registers from before the exit are put back
/// (<see cref="CaptureUserState"/> chose the user resume path, so the next entry or the signal frame uses them).</item>
/// </list>
/// <para>Where the exit came after the instruction retired (PVM's <c>out</c>), its start is found from its bytes:
/// <c>out imm8, al</c> (<c>E6 10</c>), or the one-byte <c>out dx, al</c> or <c>outsb</c>. A prefix in front of them
/// is not walked back over. KVM's emulator exits from an <c>outs</c> after its element's register updates (RSI one
/// element on, RCX one less under <c>rep</c>); those are undone from the instruction's prefixes and RFLAGS.DF.</para>
/// </remarks>
public sealed unsafe partial class KvmVcpu
{
    /// <summary>At most this many further port exits while finishing one refused access (a string instruction could
    /// otherwise exit once per element).</summary>
    private const int MaxPortCompletionExits = 16;

    private const byte OutImm8AlOpcode = 0xE6;
    private const byte OutDxAlOpcode = 0xEE;
    private const byte OutsbOpcode = 0x6E;
    private const byte OutsOpcode = 0x6F;
    private const byte RepPrefix = 0xF3;
    private const byte RepNotEqualPrefix = 0xF2;
    private const byte AddressSizePrefix = 0x67;
    private const byte RexFirst = 0x40;
    private const byte RexLast = 0x4F;
    private const int MaxInstructionBytes = 15;
    private const ulong DirectionFlag = 1UL << 10;

    /// <summary>Whether this port exit is the stub's own: one byte written by its <c>out</c>, reported either at the
    /// instruction (hardware virtualization) or just after it (PVM).</summary>
    private bool IsStubSyscallExit()
    {
        ulong at = SyncRegs.Rip;
        return _run[KvmAbi.RunIoDirectionOffset] == KvmAbi.IoDirectionOut
            && _run[KvmAbi.RunIoSizeOffset] == sizeof(byte)
            && *(uint*)(_run + KvmAbi.RunIoCountOffset) == 1
            && (at == _stub.SyscallEntry || at == _stub.SysretPath);
    }

    /// <summary>Answers a user instruction's access to the syscall port as Linux does: #GP at the instruction, the
    /// registers as they were.</summary>
    private KvmEvent RefuseUserPortAccess()
    {
        CaptureUserState();
        ulong before = _registers.Rip;
        bool output = _run[KvmAbi.RunIoDirectionOffset] == KvmAbi.IoDirectionOut;
        int size = _run[KvmAbi.RunIoSizeOffset];
        ref KvmRegs regs = ref SyncRegs;
        regs.Rcx = Math.Min(regs.Rcx, 1);
        *(ulong*)(_run + KvmAbi.RunDirtyRegsOffset) = KvmAbi.SyncRegs;
        int exits = 0;
        int r;
        do
        {
            FillPortDataWithDestination();
            _run[KvmAbi.RunImmediateExitOffset] = 1;
            r = KvmNative.Ioctl(_fd, KvmAbi.Run, 0);
            _run[KvmAbi.RunImmediateExitOffset] = 0;
            *(ulong*)(_run + KvmAbi.RunDirtyRegsOffset) = 0;
        }
        while (r == 0 && (KvmExitReason)(*(uint*)(_run + KvmAbi.RunExitReasonOffset)) == KvmExitReason.Io
               && ++exits < MaxPortCompletionExits);

        if (r != -Eintr || !TryDropPendingException())
        {
            return new KvmEvent(KvmEventKind.Fatal, X86Exception.GeneralProtection, (ulong)(r < 0 ? -r : r), before);
        }

        if (SyncRegs.Rip == before)
        {
            // Nothing was left to complete: the exit came after the instruction had retired.
            _registers.Rip = before - (ulong)RetiredPortInstructionLength(before);
        }

        if (output)
        {
            UndoEmulatedOutsElement(size);
        }

        return new KvmEvent(KvmEventKind.Exception, X86Exception.GeneralProtection);
    }

    /// <summary>Makes the data a pending <c>in</c> or <c>ins</c> hands the guest the bytes its destination already
    /// holds (an <c>ins</c> stores them back unchanged; AL is restored anyway), zeros past them.</summary>
    private void FillPortDataWithDestination()
    {
        ulong offset = *(ulong*)(_run + KvmAbi.RunIoDataOffsetOffset);
        int size = _run[KvmAbi.RunIoSizeOffset];
        ulong bytes = (ulong)size * *(uint*)(_run + KvmAbi.RunIoCountOffset);
        ulong mapped = (ulong)_vm.VcpuMmapSize;
        if (_run[KvmAbi.RunIoDirectionOffset] != KvmAbi.IoDirectionIn || offset >= mapped || bytes > mapped - offset)
        {
            return;
        }

        var data = new Span<byte>(_run + offset, (int)bytes);
        data.Clear();
        Span<byte> first = data[..Math.Min(size, data.Length)];
        if (!TryReadGuest(SyncRegs.Rdi, first))
        {
            first.Clear();
        }
    }

    /// <summary>Drops an exception the completion left for the next entry (an <c>ins</c> store that faulted).</summary>
    private bool TryDropPendingException()
    {
        Span<byte> events = stackalloc byte[KvmAbi.VcpuEventsSize];
        events.Clear();
        if (KvmNative.Ioctl(_fd, KvmAbi.GetVcpuEvents, events) < 0)
        {
            return false;
        }

        if (events[KvmAbi.EventsExceptionInjectedOffset] == 0 && events[KvmAbi.EventsExceptionPendingOffset] == 0)
        {
            return true;
        }

        events[KvmAbi.EventsExceptionInjectedOffset] = 0;
        events[KvmAbi.EventsExceptionPendingOffset] = 0;
        return KvmNative.Ioctl(_fd, KvmAbi.SetVcpuEvents, events) >= 0;
    }

    /// <summary>When the instruction at RIP is an <c>outs</c>, steps RSI (and RCX under a <c>rep</c> prefix) back over
    /// the element KVM's emulator already accounted for before it exited.</summary>
    /// <param name="size">Bytes per element.</param>
    private void UndoEmulatedOutsElement(int size)
    {
        Span<byte> code = stackalloc byte[MaxInstructionBytes];
        if (!TryReadCode(_registers.Rip, code))
        {
            return;
        }

        bool repeat = false;
        bool address32 = false;
        int i = 0;
        while (i < code.Length && IsLegacyPrefix(code[i]))
        {
            repeat |= code[i] is RepPrefix or RepNotEqualPrefix;
            address32 |= code[i] == AddressSizePrefix;
            i++;
        }

        if (i < code.Length && code[i] is >= RexFirst and <= RexLast)
        {
            i++;
        }

        if (i >= code.Length || code[i] is not (OutsbOpcode or OutsOpcode))
        {
            return;
        }

        ulong step = (_registers.Rflags & DirectionFlag) != 0 ? (ulong)size : unchecked((ulong)-size);
        ulong rsi = _registers.Rsi + step;
        ulong rcx = _registers.Rcx + (repeat ? 1UL : 0UL);
        _registers.Rsi = address32 ? (uint)rsi : rsi;
        _registers.Rcx = address32 && repeat ? (uint)rcx : rcx;
    }

    /// <summary>Reads the guest's code bytes at <paramref name="at"/>, as many as fit before an unreadable page.</summary>
    private bool TryReadCode(ulong at, Span<byte> code)
    {
        code.Clear();
        ulong toPageEnd = SystemRegionLayout.PageSize - (at % SystemRegionLayout.PageSize);
        Span<byte> first = code[..(int)Math.Min((ulong)code.Length, toPageEnd)];
        if (!TryReadGuest(at, first))
        {
            return false;
        }

        Span<byte> rest = code[first.Length..];
        if (!rest.IsEmpty && !TryReadGuest(at + (ulong)first.Length, rest))
        {
            rest.Clear();
        }

        return true;
    }

    private static bool IsLegacyPrefix(byte b) =>
        b is 0xF0 or RepNotEqualPrefix or RepPrefix or 0x2E or 0x36 or 0x3E or 0x26 or 0x64 or 0x65 or 0x66 or AddressSizePrefix;

    /// <summary>The length of the port-writing instruction that ends just before <paramref name="end"/>, or 0 when
    /// its bytes cannot be read or are not one.</summary>
    private int RetiredPortInstructionLength(ulong end)
    {
        Span<byte> code = stackalloc byte[2];
        if (end >= (ulong)code.Length
            && TryReadGuest(end - (ulong)code.Length, code))
        {
            if (code[0] == OutImm8AlOpcode && code[1] == KernelStub.SyscallPort)
            {
                return code.Length;
            }

            if (code[1] is OutDxAlOpcode or OutsbOpcode)
            {
                return 1;
            }
        }

        return 0;
    }
}
