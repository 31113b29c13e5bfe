using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// One vCPU: runs a task's user code until a syscall, an unresolvable fault, an exception or a stop request, with
/// exactly one VM exit per syscall and per resolved page fault.
/// </summary>
/// <remarks>
/// <para>One of the two files of the KVM backend with unsafe code. Invariants:</para>
/// <list type="number">
/// <item><c>_run</c> points to this vCPU's mapped <c>kvm_run</c> (at least <see cref="KvmAbi.RunMinimumSize"/>
/// bytes) from construction until <see cref="Dispose"/>, which unmaps it before closing the descriptor; it is read
/// and written only by the thread inside <see cref="Run"/> (or, between runs, its owner), except the
/// <c>immediate_exit</c> byte, which <see cref="RequestStop"/> may set from any thread.</item>
/// <item>The general registers travel only through <c>kvm_run</c>'s sync area (<c>KVM_CAP_SYNC_REGS</c>): they are
/// valid in it after every <c>KVM_RUN</c> and written back by setting <c>kvm_dirty_regs</c>.</item>
/// </list>
/// <para><b>Where the task's state lives.</b> After a syscall stop, in the registers (RIP in RCX, RFLAGS in R11,
/// the CPU at the stub's <c>out</c>, ring 0). After an exception stop, the general registers plus the exception
/// frame on the ring-0 stack. After a stop request, in the registers at ring 3. <see cref="Registers"/> is the host's
/// copy of the user view; the next <see cref="Run"/> puts it back with the cheapest path that is exact:
/// <c>sysretq</c> when the syscall ran in ring 0 and RCX/R11 agree with RIP/RFLAGS, a direct register write when the
/// task is in user mode (a stop, or a syscall under PVM), else an <c>iretq</c> frame; pending TLB invalidations pick
/// the stub's flush path, which always goes through a frame.</para>
/// <para><b>Several vCPUs.</b> Each vCPU owns a slot of the system region (<see cref="SystemRegionLayout"/>): its
/// TSS, ring-0 stack, IST stack and invalidation list, so the vCPUs of one VM run in parallel on their own host
/// threads. A page-table change waits until no vCPU can still use a dropped entry (see <see cref="WaitUntilFlushed"/>
/// and <see cref="KvmVirtualMachine"/>).</para>
/// <para><b>Exits.</b> One per syscall (the <c>out</c> at LSTAR; under PVM, which runs LSTAR in user mode, the TSS
/// I/O bitmap lets that <c>out</c> exit directly), one per exception or reported page fault.</para>
/// </remarks>
public sealed unsafe partial class KvmVcpu : IDisposable
{
    /// <summary>The signal that interrupts a running vCPU (a real-time signal .NET does not use).</summary>
    public const int StopSignal = 62;

    private const int Eintr = 4;
    private const int Eagain = 11;
    private const uint MsrTimestampCounter = 0x10;
    private const uint MsrStar = 0xC000_0081;
    private const uint MsrLstar = 0xC000_0082;
    private const uint MsrCstar = 0xC000_0083;
    private const uint MsrSyscallMask = 0xC000_0084;
    private const uint MsrFsBase = 0xC000_0100;
    private const uint MsrGsBase = 0xC000_0101;
    private const uint MsrKernelGsBase = 0xC000_0102;
    private const ulong SyscallMaskedFlags = 0x4_7700; // TF, IF, DF, IOPL, NT, AC
    private const ulong Cr0ProtectionEnable = 1UL << 0;
    private const ulong Cr0MonitorCoprocessor = 1UL << 1;
    private const ulong Cr0ExtensionType = 1UL << 4;
    private const ulong Cr0NumericError = 1UL << 5;
    private const ulong Cr0WriteProtect = 1UL << 16;
    private const ulong Cr0AlignmentMask = 1UL << 18;
    private const ulong Cr0Paging = 1UL << 31;
    private const ulong Cr4Pae = 1UL << 5;
    private const ulong Cr4OsFxsr = 1UL << 9;
    private const ulong Cr4OsXmmExcept = 1UL << 10;
    private const ulong Cr4OsXsave = 1UL << 18;
    private const ulong EferSyscall = 1UL << 0;
    private const ulong EferLongModeEnable = 1UL << 8;
    private const ulong EferLongModeActive = 1UL << 10;
    private const ulong EferNoExecute = 1UL << 11;
    private const ulong FlagsReserved = 0x2;
    private const ulong FlagsInterrupt = 0x200;
    private const ulong UserFlagsMask = 0x24_0DD5; // CF PF AF ZF SF TF DF OF AC ID
    private const int FrameWords = KernelStub.FrameBytes / sizeof(ulong);
    private const int FrameVector = 0;
    private const int FrameCr2 = 1;
    private const int FrameError = 2;
    private const int FrameRip = 3;
    private const int FrameCs = 4;
    private const int FrameRflags = 5;
    private const int FrameRsp = 6;
    private const int FrameSs = 7;
    private const int PrivilegeMask = 3;
    private const int UserPrivilege = 3;
    private const int CanonicalBits = 47;

    [ThreadStatic]
    private static int t_hostThreadId;

    private readonly KvmVirtualMachine _vm;
    private readonly KernelStub _stub;
    private readonly ulong _frameAddress;
    private readonly ulong _frameOffset;
    private readonly List<ulong> _pendingPages = [];
    private bool _pendingOverflow;
    private int _inGuest;
    private long _exits;
    private long _enteredGeneration = -1;
    private int _fd;
    private byte* _run;
    private KvmUserRegisters _registers;
    private ResumePath _resume = ResumePath.Frame;
    private long _flushedGeneration = -1;
    private int _stopRequested;
    private int _runningThread;
    private ulong _fsBase;
    private ulong _gsBase;
    private ulong _lastResolvedPage = ulong.MaxValue;
    private uint _lastResolvedError;
    private bool _enteringThroughFlush;
    private SyscallLevel _syscallLevel;
    private long _lastResolvedGeneration;

    /// <summary>Creates vCPU <paramref name="id"/> of <paramref name="vm"/> (slot <paramref name="id"/> of its system
    /// region), or answers null when KVM refuses one more (its vCPU limit, descriptors or memory: the guest's
    /// <c>clone</c> then gets EAGAIN).</summary>
    /// <param name="vm">The VM.</param>
    /// <param name="id">The vCPU id, below <see cref="SystemRegionLayout.MaxVcpus"/>.</param>
    /// <returns>The vCPU, or null.</returns>
    /// <exception cref="InvalidOperationException">The vCPU was created but could not be set up (a programming error
    /// or a broken host).</exception>
    internal static KvmVcpu? TryCreate(KvmVirtualMachine vm, int id)
    {
        DescriptorTables.WriteTaskState(vm.Region, vm.Layout, id);
        KvmNative.InstallStopSignal(StopSignal);
        int fd = KvmNative.Ioctl(vm.VmFd, KvmAbi.CreateVcpu, id);
        return fd < 0 ? null : new KvmVcpu(vm, id, fd);
    }

    private KvmVcpu(KvmVirtualMachine vm, int id, int fd)
    {
        _vm = vm;
        _stub = vm.Stub;
        Slot = id;
        _frameAddress = vm.Layout.KernelStackTop(id) - KernelStub.FrameBytes;
        _frameOffset = _frameAddress - vm.Layout.Base;
        _fd = fd;
        try
        {
            _run = (byte*)KvmNative.MapVcpuRun(fd, vm.VcpuMmapSize);
            Initialize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private enum ResumePath
    {
        /// <summary>At the stub's syscall <c>out</c> (ring 0, user RSP).</summary>
        Syscall,

        /// <summary>In ring 0 with RSP at the exception frame (or a fresh vCPU).</summary>
        Frame,

        /// <summary>In ring 3 (a stop request interrupted user code).</summary>
        User,
    }

    private enum SyscallLevel
    {
        /// <summary>No syscall seen yet.</summary>
        Unknown,

        /// <summary>The syscall entry runs in ring 0 (hardware virtualization).</summary>
        Kernel,

        /// <summary>The syscall entry runs in user mode (PVM).</summary>
        User,
    }

    private enum InterruptOutcome
    {
        /// <summary>Report a stop.</summary>
        Stop,

        /// <summary>Put <see cref="Registers"/> back and run again.</summary>
        Reenter,

        /// <summary>Run again exactly where the vCPU is (it was inside the stub).</summary>
        Continue,
    }

    /// <summary>The task's user registers: valid after <see cref="Run"/> returned (and to be set before the first
    /// run); edit them in place, the next run applies them.</summary>
    public ref KvmUserRegisters Registers => ref _registers;

    /// <summary>VM exits this vCPU took (every return from <c>KVM_RUN</c>).</summary>
    public long ExitCount => Volatile.Read(ref _exits);

    /// <summary>The vCPU's id, which is also its slot in the system region.</summary>
    internal int Slot { get; }

    /// <summary>Syscalls this vCPU stopped for.</summary>
    public long SyscallCount { get; private set; }

    /// <summary>Page faults the backend resolved without the caller (lazy population).</summary>
    public long ResolvedPageFaults { get; private set; }

    /// <summary>The FS base (<c>arch_prctl(ARCH_SET_FS)</c>).</summary>
    public ulong FsBase
    {
        get => _fsBase;
        set
        {
            SetMsr(MsrFsBase, value);
            _fsBase = value;
        }
    }

    /// <summary>The GS base (<c>arch_prctl(ARCH_SET_GS)</c>).</summary>
    public ulong GsBase
    {
        get => _gsBase;
        set
        {
            SetMsr(MsrGsBase, value);
            _gsBase = value;
        }
    }

    /// <summary>Runs the task until something needs the host. Call from one thread at a time.</summary>
    /// <returns>What happened; <see cref="Registers"/> holds the user state.</returns>
    public KvmEvent Run()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (Interlocked.Exchange(ref _stopRequested, 0) != 0)
        {
            _run[KvmAbi.RunImmediateExitOffset] = 0;
            return new KvmEvent(KvmEventKind.Stopped);
        }

        if (!IsCanonical(_registers.Rip))
        {
            // No return to user mode can load this RIP; Linux's return path faults the same way (SIGSEGV).
            return new KvmEvent(KvmEventKind.Exception, X86Exception.GeneralProtection);
        }

        Volatile.Write(ref _runningThread, HostThreadId);
        try
        {
            bool prepare = true;
            while (true)
            {
                // In the guest from here until KVM_RUN returned: set before PrepareEntry reads the TLB generation (a full
                // fence), so a page-table change either sees this vCPU in the guest (and waits for it) or this vCPU
                // sees the change's generation (and flushes before user code runs). See WaitUntilFlushed.
                _ = Interlocked.Exchange(ref _inGuest, 1);
                if (_vm.SlotResetting)
                {
                    HoldOutOfGuest();
                    continue;
                }

                if (prepare)
                {
                    PrepareEntry();
                }

                prepare = true;
                int r = KvmNative.Ioctl(_fd, KvmAbi.Run, 0);
                Volatile.Write(ref _inGuest, 0);
                Volatile.Write(ref _exits, _exits + 1);
                if (r < 0 && r != -Eintr && r != -Eagain)
                {
                    return new KvmEvent(KvmEventKind.Fatal, 0, (ulong)-r);
                }

                var reason = (KvmExitReason)(*(uint*)(_run + KvmAbi.RunExitReasonOffset));
                if (_enteringThroughFlush && (*(ulong*)(_run + KvmAbi.RunDirtyRegsOffset) & KvmAbi.SyncRegs) == 0
                    && !InFlushPath(SyncRegs.Rip))
                {
                    _vm.ClearInvalidationList(this); // the stub got past its flush path, so it ran the whole list
                    _enteringThroughFlush = false;
                }

                if (r < 0 || reason == KvmExitReason.Interrupted)
                {
                    InterruptOutcome outcome = OnInterrupt();
                    if (outcome == InterruptOutcome.Stop)
                    {
                        return new KvmEvent(KvmEventKind.Stopped);
                    }

                    prepare = outcome == InterruptOutcome.Reenter;
                    continue;
                }

                if (reason != KvmExitReason.Io)
                {
                    // The exit union's first two words (e.g. an internal error's suberror and data count, then its
                    // first datum) and RIP, for the report.
                    return new KvmEvent(KvmEventKind.Fatal, (int)reason, *(ulong*)(_run + KvmAbi.RunExitUnionOffset), SyncRegs.Rip);
                }

                ushort port = *(ushort*)(_run + KvmAbi.RunIoPortOffset);
                if (port == KernelStub.SyscallPort)
                {
                    if (!IsStubSyscallExit())
                    {
                        // User code reached the syscall port itself (the I/O bitmap allows it): Linux answers #GP.
                        return RefuseUserPortAccess();
                    }

                    CaptureSyscall();
                    SyscallCount++;
                    return new KvmEvent(KvmEventKind.Syscall);
                }

                if (port != KernelStub.ExceptionPort)
                {
                    return new KvmEvent(KvmEventKind.Fatal, (int)reason, port);
                }

                if (TryCaptureException(out KvmEvent exceptionEvent))
                {
                    return exceptionEvent;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _runningThread, 0);
        }
    }

    /// <summary>Copies the guest's x87/SSE state (<c>KVM_GET_FPU</c>) into an <c>fxsave</c>-format area.</summary>
    /// <param name="area">At least <see cref="ICpu.FxsaveSize"/> bytes.</param>
    /// <returns>False when the area is too small or the ioctl failed (the area is then untouched).</returns>
    internal bool SaveVectorState(Span<byte> area)
    {
        Span<byte> fpu = stackalloc byte[KvmAbi.FpuSize];
        if (area.Length < ICpu.FxsaveSize || KvmNative.Ioctl(_fd, KvmAbi.GetFpu, fpu) < 0)
        {
            return false;
        }

        area[..ICpu.FxsaveSize].Clear();
        fpu.Slice(KvmAbi.FpuControlOffset, sizeof(ushort)).CopyTo(area[FxsaveLayout.Control..]);
        fpu.Slice(KvmAbi.FpuStatusOffset, sizeof(ushort)).CopyTo(area[FxsaveLayout.Status..]);
        area[FxsaveLayout.Tag] = fpu[KvmAbi.FpuTagOffset];
        fpu.Slice(KvmAbi.FpuOpcodeOffset, sizeof(ushort)).CopyTo(area[FxsaveLayout.Opcode..]);
        fpu.Slice(KvmAbi.FpuLastIpOffset, sizeof(ulong)).CopyTo(area[FxsaveLayout.LastIp..]);
        fpu.Slice(KvmAbi.FpuLastDpOffset, sizeof(ulong)).CopyTo(area[FxsaveLayout.LastDp..]);
        fpu.Slice(KvmAbi.FpuMxcsrOffset, sizeof(uint)).CopyTo(area[FxsaveLayout.Mxcsr..]);
        BinaryPrimitives.WriteUInt32LittleEndian(area[FxsaveLayout.MxcsrMask..], FxsaveLayout.DefaultMxcsrMask);
        fpu[..(FxsaveLayout.X87Count * FxsaveLayout.RegisterSize)].CopyTo(area[FxsaveLayout.X87Registers..]);
        fpu.Slice(KvmAbi.FpuXmmOffset, FxsaveLayout.XmmCount * FxsaveLayout.RegisterSize).CopyTo(area[FxsaveLayout.XmmRegisters..]);
        return true;
    }

    /// <summary>Loads an <c>fxsave</c>-format area into the guest's x87/SSE state (<c>KVM_SET_FPU</c>). MXCSR bits
    /// outside <see cref="FxsaveLayout.DefaultMxcsrMask"/> are dropped, as Linux's sigreturn does.</summary>
    /// <param name="area">At least <see cref="ICpu.FxsaveSize"/> bytes.</param>
    internal void RestoreVectorState(ReadOnlySpan<byte> area)
    {
        Span<byte> fpu = stackalloc byte[KvmAbi.FpuSize];
        if (area.Length < ICpu.FxsaveSize)
        {
            return;
        }

        fpu.Clear();
        area[FxsaveLayout.X87Registers..(FxsaveLayout.X87Registers + (FxsaveLayout.X87Count * FxsaveLayout.RegisterSize))].CopyTo(fpu);
        area.Slice(FxsaveLayout.Control, sizeof(ushort)).CopyTo(fpu[KvmAbi.FpuControlOffset..]);
        area.Slice(FxsaveLayout.Status, sizeof(ushort)).CopyTo(fpu[KvmAbi.FpuStatusOffset..]);
        fpu[KvmAbi.FpuTagOffset] = area[FxsaveLayout.Tag];
        area.Slice(FxsaveLayout.Opcode, sizeof(ushort)).CopyTo(fpu[KvmAbi.FpuOpcodeOffset..]);
        area.Slice(FxsaveLayout.LastIp, sizeof(ulong)).CopyTo(fpu[KvmAbi.FpuLastIpOffset..]);
        area.Slice(FxsaveLayout.LastDp, sizeof(ulong)).CopyTo(fpu[KvmAbi.FpuLastDpOffset..]);
        uint mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(area[FxsaveLayout.Mxcsr..]) & FxsaveLayout.DefaultMxcsrMask;
        BinaryPrimitives.WriteUInt32LittleEndian(fpu[KvmAbi.FpuMxcsrOffset..], mxcsr);
        area.Slice(FxsaveLayout.XmmRegisters, FxsaveLayout.XmmCount * FxsaveLayout.RegisterSize).CopyTo(fpu[KvmAbi.FpuXmmOffset..]);
        _ = KvmNative.Ioctl(_fd, KvmAbi.SetFpu, fpu);
    }

    /// <summary>Makes the vCPU stop at the next opportunity: a running vCPU leaves the guest (<see cref="Run"/>
    /// returns <see cref="KvmEventKind.Stopped"/>, or the event it was already returning, and the next run stops at
    /// once); one not running stops at its next <see cref="Run"/>. Callable from any thread.</summary>
    public void RequestStop()
    {
        Volatile.Write(ref _stopRequested, 1);
        Kick();
    }

    /// <summary>Closes the vCPU.</summary>
    public void Dispose()
    {
        if (_fd < 0)
        {
            return;
        }

        KvmNative.Unmap((nint)_run, (ulong)_vm.VcpuMmapSize);
        _run = null;
        KvmNative.Close(_fd);
        _fd = -1;
        _vm.Forget(this);
    }

    /// <summary>
    /// Called by a thread that changed page-table entries, after it queued their invalidation on every vCPU
    /// (<see cref="QueueInvalidation"/>) and then raised the VM's TLB generation to <paramref name="generation"/>:
    /// returns once this vCPU can no longer run user code through an entry dropped before that, forcing it out of
    /// the guest when needed. Never called by the vCPU's own thread while it is in the guest (it is not then).
    /// </summary>
    /// <remarks>
    /// <para>Invariant: a vCPU runs user code only after an entry through <see cref="PrepareEntry"/> that read the
    /// generation while <c>_inGuest</c> was set, and it flushes there (its own list, or CR3) whenever the generation
    /// moved. Re-entries without <see cref="PrepareEntry"/> (<see cref="InterruptOutcome.Continue"/>) happen only
    /// where the stub reaches its next exit before any user instruction (see <see cref="OnInterrupt"/>).</para>
    /// <para>So, after the caller's increment: if this vCPU is not in the guest, its next entry reads the new
    /// generation; if it read the new generation already, it flushes before user code; otherwise it is kicked and,
    /// once it has left <c>KVM_RUN</c> (its exit count moved), the same holds for its next entry. Only then may the
    /// caller report the change done (munmap returns, memory is reused).</para>
    /// </remarks>
    /// <param name="generation">The generation the caller's change produced.</param>
    internal void WaitUntilFlushed(long generation)
    {
        long exits = Volatile.Read(ref _exits);
        if (Volatile.Read(ref _inGuest) == 0 || Volatile.Read(ref _enteredGeneration) >= generation)
        {
            return;
        }

        Kick();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _exits) == exits && Volatile.Read(ref _enteredGeneration) < generation
            && Volatile.Read(ref _inGuest) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Called by the thread resetting the VM's user memory slots, after it raised
    /// <see cref="KvmVirtualMachine.SlotResetting"/>: returns once this vCPU is out of the guest; it stays out until
    /// the reset is over (<see cref="HoldOutOfGuest"/>: a vCPU sets <c>_inGuest</c>, a full fence, before it reads
    /// the flag, so either it sees the flag or this sees it in the guest and waits).</summary>
    internal void WaitOutOfGuest()
    {
        if (Volatile.Read(ref _inGuest) == 0)
        {
            return;
        }

        Kick();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _inGuest) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Waits, out of the guest, until a slot reset is over (see <see cref="WaitOutOfGuest"/>).</summary>
    private void HoldOutOfGuest()
    {
        Volatile.Write(ref _inGuest, 0);
        var spin = default(SpinWait);
        while (_vm.SlotResetting)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Adds the pages of <c>[first, end)</c> to the pages this vCPU drops from its TLB on its next entry
    /// (past <see cref="KernelStub.MaxInvalidations"/> pages, everything). Caller holds the VM's vCPU lock.</summary>
    /// <param name="first">The first page address.</param>
    /// <param name="end">The end (clipped to the user range by the caller).</param>
    internal void QueueInvalidation(ulong first, ulong end)
    {
        ulong pages = end > first ? (end - first + SystemRegionLayout.PageSize - 1) / SystemRegionLayout.PageSize : 0;
        if (_pendingOverflow || pages + (ulong)_pendingPages.Count > KernelStub.MaxInvalidations)
        {
            _pendingOverflow = true;
            _pendingPages.Clear();
            return;
        }

        for (ulong page = first; page < end; page += SystemRegionLayout.PageSize)
        {
            _pendingPages.Add(page);
        }
    }

    /// <summary>Moves the queued pages into this vCPU's list in its slot (see <see cref="KvmVirtualMachine.WriteInvalidationList"/>).
    /// Caller holds the VM's vCPU lock.</summary>
    /// <param name="list">The list: a count, then addresses.</param>
    internal void DrainInvalidations(Span<ulong> list)
    {
        ulong count = list[0];
        if (count == KernelStub.InvalidateEverything || _pendingOverflow || count + (ulong)_pendingPages.Count > KernelStub.MaxInvalidations)
        {
            list[0] = KernelStub.InvalidateEverything;
        }
        else
        {
            foreach (ulong page in _pendingPages)
            {
                list[(int)++count] = page;
            }

            list[0] = count;
        }

        _pendingPages.Clear();
        _pendingOverflow = false;
    }

    /// <summary>Makes a vCPU that a thread left ready for the next thread of the VM: registers zero, ring 0 at its
    /// frame, FS/GS base zero, a full TLB flush on its next entry. Caller holds the VM's vCPU lock.</summary>
    internal void Reset()
    {
        _registers = default;
        _resume = ResumePath.Frame;
        _flushedGeneration = -1;
        _enteringThroughFlush = false;
        _lastResolvedPage = ulong.MaxValue;
        Volatile.Write(ref _stopRequested, 0);
        _run[KvmAbi.RunImmediateExitOffset] = 0;
        *(ulong*)(_run + KvmAbi.RunDirtyRegsOffset) = 0;
        _pendingPages.Clear();
        _pendingOverflow = true;
        _fsBase = 0;
        _gsBase = 0;
        Initialize(setCpuid: false);
    }

    /// <summary>The calling thread's host thread id (what <see cref="Kick"/> signals), asked once per thread instead of
    /// one <c>gettid</c> per run, i.e. per guest syscall.</summary>
    private static int HostThreadId
    {
        get
        {
            int id = t_hostThreadId;
            if (id == 0)
            {
                id = KvmNative.CurrentThreadId();
                t_hostThreadId = id;
            }

            return id;
        }
    }

    private static bool IsCanonical(ulong address) => (ulong)((long)address >> CanonicalBits) + 1 <= 1;

    private static ulong SanitizeUserFlags(ulong flags) => (flags & UserFlagsMask) | FlagsInterrupt | FlagsReserved;

    private static void CopyGeneralRegisters(in KvmUserRegisters from, ref KvmRegs to)
    {
        to.Rax = from.Rax;
        to.Rbx = from.Rbx;
        to.Rcx = from.Rcx;
        to.Rdx = from.Rdx;
        to.Rsi = from.Rsi;
        to.Rdi = from.Rdi;
        to.Rbp = from.Rbp;
        to.R8 = from.R8;
        to.R9 = from.R9;
        to.R10 = from.R10;
        to.R11 = from.R11;
        to.R12 = from.R12;
        to.R13 = from.R13;
        to.R14 = from.R14;
        to.R15 = from.R15;
    }

    private static void CopyGeneralRegisters(in KvmRegs from, ref KvmUserRegisters to)
    {
        to.Rax = from.Rax;
        to.Rbx = from.Rbx;
        to.Rcx = from.Rcx;
        to.Rdx = from.Rdx;
        to.Rsi = from.Rsi;
        to.Rdi = from.Rdi;
        to.Rbp = from.Rbp;
        to.R8 = from.R8;
        to.R9 = from.R9;
        to.R10 = from.R10;
        to.R11 = from.R11;
        to.R12 = from.R12;
        to.R13 = from.R13;
        to.R14 = from.R14;
        to.R15 = from.R15;
    }

    private ref KvmRegs SyncRegs => ref *(KvmRegs*)(_run + KvmAbi.RunSyncRegsOffset);

    /// <summary>Whether KVM holds an exception it has not finished delivering (<c>KVM_GET_VCPU_EVENTS</c>).</summary>
    private bool ExceptionUnderWay()
    {
        Span<byte> events = stackalloc byte[KvmAbi.VcpuEventsSize];
        events.Clear();
        return KvmNative.Ioctl(_fd, KvmAbi.GetVcpuEvents, events) >= 0
            && (events[KvmAbi.EventsExceptionInjectedOffset] != 0 || events[KvmAbi.EventsExceptionPendingOffset] != 0);
    }

    /// <summary>Whether <paramref name="rip"/> lies in the flush path (its list not fully run yet).</summary>
    private bool InFlushPath(ulong rip) => rip >= _stub.FlushIretPath && rip < _stub.FlushPathEnd;

    private void Kick()
    {
        byte* run = _run;
        if (run != null)
        {
            Volatile.Write(ref run[KvmAbi.RunImmediateExitOffset], 1);
        }

        int thread = Volatile.Read(ref _runningThread);
        if (thread != 0)
        {
            KvmNative.SignalThread(thread, StopSignal);
        }
    }

    /// <summary>Sets the vCPU's CPUID (once: KVM refuses changes after the first run), ring-0 segments, control
    /// registers, MSRs and registers.</summary>
    private void Initialize(bool setCpuid = true)
    {
        int r;
        if (setCpuid)
        {
            r = _vm.Cpuid.ApplyTo(_fd);
            if (r < 0)
            {
                throw new InvalidOperationException($"KVM_SET_CPUID2 failed: errno {-r}.");
            }
        }

        KvmSregs sregs = default;
        r = KvmNative.Ioctl(_fd, KvmAbi.GetSregs, ref sregs);
        if (r < 0)
        {
            throw new InvalidOperationException($"KVM_GET_SREGS failed: errno {-r}.");
        }

        DescriptorTables.SetKernelSegments(ref sregs, _vm.Layout, Slot);
        sregs.Fs.Base = 0;
        sregs.Gs.Base = 0;
        sregs.Cr0 = Cr0ProtectionEnable | Cr0MonitorCoprocessor | Cr0ExtensionType | Cr0NumericError | Cr0WriteProtect | Cr0AlignmentMask | Cr0Paging;
        sregs.Cr3 = _vm.PageTables.Root;
        sregs.Cr4 = Cr4Pae | Cr4OsFxsr | Cr4OsXmmExcept | (_vm.Cpuid.HasXsave ? Cr4OsXsave : 0);
        sregs.Efer = EferSyscall | EferLongModeEnable | EferLongModeActive | EferNoExecute;
        r = KvmNative.Ioctl(_fd, KvmAbi.SetSregs, ref sregs);
        if (r < 0)
        {
            throw new InvalidOperationException($"KVM_SET_SREGS failed: errno {-r}.");
        }

        if (_vm.Cpuid.HasXsave)
        {
            var xcrs = new KvmXcrs { Count = 1, Xcr0Index = 0, Xcr0Value = _vm.Cpuid.Xcr0 };
            r = KvmNative.Ioctl(_fd, KvmAbi.SetXcrs, ref xcrs);
            if (r < 0)
            {
                throw new InvalidOperationException($"KVM_SET_XCRS failed: errno {-r}.");
            }
        }

        SetMsr(MsrStar, ((ulong)DescriptorTables.SysretBase << 48) | ((ulong)DescriptorTables.KernelCode << 32));
        SetMsr(MsrLstar, _stub.SyscallEntry);
        SetMsr(MsrCstar, _stub.SyscallEntry);
        SetMsr(MsrSyscallMask, SyscallMaskedFlags);
        SetMsr(MsrFsBase, 0);
        SetMsr(MsrGsBase, 0);
        SetMsr(MsrKernelGsBase, 0);
        *(ulong*)(_run + KvmAbi.RunValidRegsOffset) = KvmAbi.SyncRegs;
        _registers.Rflags = FlagsInterrupt | FlagsReserved;
    }

    /// <summary>Reads the guest's time-stamp counter (<c>IA32_TSC</c> through <c>KVM_GET_MSRS</c>): the vDSO's clock
    /// checks it against the host's before it lets the guest turn its own <c>rdtsc</c> into time. Call it only while
    /// this vCPU does not run.</summary>
    /// <param name="ticks">The counter.</param>
    /// <returns>False when KVM refused.</returns>
    internal bool TryReadTimestampCounter(out ulong ticks)
    {
        byte* buffer = stackalloc byte[KvmAbi.ListHeaderSize + KvmAbi.MsrEntrySize];
        new Span<byte>(buffer, KvmAbi.ListHeaderSize + KvmAbi.MsrEntrySize).Clear();
        *(uint*)buffer = 1;
        *(uint*)(buffer + KvmAbi.ListHeaderSize) = MsrTimestampCounter;
        int r = KvmNative.Ioctl(_fd, KvmAbi.GetMsrs, (nint)buffer);
        ticks = *(ulong*)(buffer + KvmAbi.ListHeaderSize + sizeof(ulong));
        return r == 1;
    }

    private void SetMsr(uint index, ulong value)
    {
        byte* buffer = stackalloc byte[KvmAbi.ListHeaderSize + KvmAbi.MsrEntrySize];
        new Span<byte>(buffer, KvmAbi.ListHeaderSize + KvmAbi.MsrEntrySize).Clear();
        *(uint*)buffer = 1;
        *(uint*)(buffer + KvmAbi.ListHeaderSize) = index;
        *(ulong*)(buffer + KvmAbi.ListHeaderSize + sizeof(ulong)) = value;
        int r = KvmNative.Ioctl(_fd, KvmAbi.SetMsrs, (nint)buffer);
        if (r != 1)
        {
            throw new InvalidOperationException($"KVM_SET_MSRS {index:x} failed: {r}.");
        }
    }

    /// <summary>Puts <see cref="Registers"/> back into the vCPU along the cheapest exact path.</summary>
    private void PrepareEntry()
    {
        long generation = _vm.TlbGeneration;
        Volatile.Write(ref _enteredGeneration, generation);
        bool flush = generation != _flushedGeneration;
        _flushedGeneration = generation;
        ref KvmRegs regs = ref SyncRegs;
        ref KvmUserRegisters user = ref _registers;
        if (_resume == ResumePath.User && flush)
        {
            EnterRingZero();
            _resume = ResumePath.Frame;
        }

        if (flush)
        {
            _vm.WriteInvalidationList(this);
        }

        _enteringThroughFlush = flush;

        CopyGeneralRegisters(in user, ref regs);
        if (_resume == ResumePath.Syscall && !flush && user.Rip == user.Rcx && user.Rflags == user.R11
            && SanitizeUserFlags(user.Rflags) == user.Rflags && user.Rip < _vm.Layout.UserEnd)
        {
            regs.Rsp = user.Rsp;
            regs.Rip = _stub.SysretPath;
            regs.Rflags = FlagsReserved;
        }
        else if (_resume == ResumePath.User)
        {
            regs.Rsp = user.Rsp;
            regs.Rip = user.Rip;
            regs.Rflags = SanitizeUserFlags(user.Rflags);
        }
        else
        {
            Span<ulong> frame = _vm.Region.WordsAt(_frameOffset, FrameWords);
            frame[FrameRip] = user.Rip;
            frame[FrameCs] = DescriptorTables.UserCode;
            frame[FrameRflags] = SanitizeUserFlags(user.Rflags);
            frame[FrameRsp] = user.Rsp;
            frame[FrameSs] = DescriptorTables.UserData;
            regs.Rsp = _frameAddress;
            regs.Rip = flush ? _stub.FlushIretPath : _stub.IretPath;
            regs.Rflags = FlagsReserved;
        }

        *(ulong*)(_run + KvmAbi.RunDirtyRegsOffset) = KvmAbi.SyncRegs;
    }

    /// <summary>From ring 3 (after a stop) to ring 0 with kernel segments, so the frame path can be used.</summary>
    private void EnterRingZero()
    {
        KvmSregs sregs = default;
        int r = KvmNative.Ioctl(_fd, KvmAbi.GetSregs, ref sregs);
        if (r >= 0)
        {
            DescriptorTables.SetKernelSegments(ref sregs, _vm.Layout, Slot);
            r = KvmNative.Ioctl(_fd, KvmAbi.SetSregs, ref sregs);
        }

        if (r < 0)
        {
            throw new InvalidOperationException($"Switching the vCPU to ring 0 failed: errno {-r}.");
        }
    }

    private void CaptureUserState()
    {
        ref KvmRegs regs = ref SyncRegs;
        CopyGeneralRegisters(in regs, ref _registers);
        _registers.Rsp = regs.Rsp;
        _registers.Rip = regs.Rip;
        _registers.Rflags = regs.Rflags;
        _resume = ResumePath.User;
    }

    private void CaptureSyscall()
    {
        ref KvmRegs regs = ref SyncRegs;
        CopyGeneralRegisters(in regs, ref _registers);
        _registers.Rsp = regs.Rsp;
        _registers.Rip = regs.Rcx;
        _registers.Rflags = regs.R11;
        if (_syscallLevel == SyscallLevel.Unknown)
        {
            // Asked once per vCPU (one ioctl): hardware virtualization runs LSTAR in ring 0, PVM in user mode.
            KvmSregs sregs = default;
            _ = KvmNative.Ioctl(_fd, KvmAbi.GetSregs, ref sregs);
            _syscallLevel = (sregs.Cs.Selector & PrivilegeMask) == UserPrivilege ? SyscallLevel.User : SyscallLevel.Kernel;
        }

        _resume = _syscallLevel == SyscallLevel.User ? ResumePath.User : ResumePath.Syscall;
    }

    /// <summary>Reads guest memory at <paramref name="at"/> through the core (the address space's permissions): all
    /// of <paramref name="bytes"/>, or false.</summary>
    private bool TryReadGuest(ulong at, Span<byte> bytes) =>
        UserCopy.CopyIn(_vm.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(at)), bytes).IsOk;

    /// <summary>Whether the guest's bytes at <paramref name="at"/> are an <c>int imm8</c>, and its vector.</summary>
    private bool TryReadIntInstruction(ulong at, out int vector)
    {
        Span<byte> code = stackalloc byte[SoftwareInterrupt.IntLength];
        vector = 0;
        if (!TryReadGuest(at, code) || code[0] != SoftwareInterrupt.IntOpcode)
        {
            return false;
        }

        vector = code[1];
        return true;
    }

    /// <summary>Reads the exception frame; resolves a page fault the address space allows.</summary>
    /// <returns>True when the caller must see the event; false when the guest can continue.</returns>
    private bool TryCaptureException(out KvmEvent result)
    {
        ref KvmRegs regs = ref SyncRegs;
        if (regs.Rsp != _frameAddress)
        {
            result = new KvmEvent(KvmEventKind.Fatal, X86Exception.DoubleFault, regs.Rsp);
            return true;
        }

        Span<ulong> frame = _vm.Region.WordsAt(_frameOffset, FrameWords);
        int vector = (int)frame[FrameVector];
        ulong error = frame[FrameError];
        if ((frame[FrameCs] & PrivilegeMask) != UserPrivilege)
        {
            result = new KvmEvent(KvmEventKind.Fatal, vector, error, frame[FrameRip]);
            return true;
        }

        CopyGeneralRegisters(in regs, ref _registers);
        _registers.Rip = frame[FrameRip];
        _registers.Rflags = frame[FrameRflags];
        _registers.Rsp = frame[FrameRsp];
        _resume = ResumePath.Frame;
        if (vector == X86Exception.GeneralProtection && error == 0 && _registers.Rip == _stub.SyscallEntry)
        {
            // PVM: the syscall ran LSTAR in user mode (see KernelStub); the CPU's RCX and R11 are the task's.
            _registers.Rip = _registers.Rcx;
            _registers.Rflags = _registers.R11;
            SyscallCount++;
            result = new KvmEvent(KvmEventKind.Syscall);
            return true;
        }

        if (vector == X86Exception.InvalidOpcode && TryReadIntInstruction(_registers.Rip, out int software))
        {
            // KVM under PVM raises #UD for `int N` through a gate with DPL 0 where the CPU raises #GP: report what
            // Linux's CPU shows (SoftwareInterrupt).
            (CpuEvent e, ulong rip) = SoftwareInterrupt.ForIntInstruction(software, _registers.Rip);
            _registers.Rip = rip;
            result = new KvmEvent(KvmEventKind.Exception, e.Vector, e.ErrorCode);
            return true;
        }

        if (vector == X86Exception.GeneralProtection && error == 0 && _registers.Rip >= SoftwareInterrupt.IntLength
            && TryReadIntInstruction(_registers.Rip - SoftwareInterrupt.IntLength, out int afterInt) && !SoftwareInterrupt.IsUserGate(afterInt))
        {
            // PVM answers `int $0x17` and `int $0x19` with #GP, error 0, RIP after the instruction (measured; `int $0x1a`
            // reaches the guest not at all). A real #GP with error 0 is at its instruction, and bytes `CD N` right
            // before it would have to end another instruction's immediate: report what Linux's CPU shows.
            (CpuEvent e, ulong rip) = SoftwareInterrupt.ForIntInstruction(afterInt, _registers.Rip - SoftwareInterrupt.IntLength);
            _registers.Rip = rip;
            result = new KvmEvent(KvmEventKind.Exception, e.Vector, e.ErrorCode);
            return true;
        }

        if (vector != X86Exception.PageFault)
        {
            result = new KvmEvent(KvmEventKind.Exception, vector, error);
            return true;
        }

        ulong address = frame[FrameCr2];
        ulong page = address / SystemRegionLayout.PageSize;
        long generation = _vm.TlbGeneration;
        bool repeated = page == _lastResolvedPage && (uint)error == _lastResolvedError && generation == _lastResolvedGeneration;
        if (_vm.ResolvesPageFaults && !repeated && _vm.TryResolvePageFault(address, (uint)error))
        {
            _lastResolvedPage = page;
            _lastResolvedError = (uint)error;
            _lastResolvedGeneration = generation;
            ResolvedPageFaults++;
            result = default;
            return false;
        }

        _lastResolvedPage = ulong.MaxValue;
        result = new KvmEvent(KvmEventKind.PageFault, vector, error, address, MappingFlags.User | KvmVirtualMachine.AccessOf((uint)error));
        return true;
    }

    /// <summary>After <c>KVM_RUN</c> was interrupted: stops when the task's user state is known exactly.</summary>
    /// <returns>What to do next.</returns>
    private InterruptOutcome OnInterrupt()
    {
        _run[KvmAbi.RunImmediateExitOffset] = 0;
        bool stop = Interlocked.Exchange(ref _stopRequested, 0) != 0;
        ulong* dirty = (ulong*)(_run + KvmAbi.RunDirtyRegsOffset);
        if ((*dirty & KvmAbi.SyncRegs) != 0)
        {
            // KVM returned before taking our registers: nothing ran, Registers and _resume still describe the task.
            *dirty = 0;
            _flushedGeneration = -1;
            return stop ? InterruptOutcome.Stop : InterruptOutcome.Reenter;
        }

        ref KvmRegs regs = ref SyncRegs;
        ulong rip = regs.Rip;
        if (ExceptionUnderWay())
        {
            // KVM left the run while delivering an exception (e.g. a user page fault, now queued): it lands in the
            // stub, whose next step is an exit, so continuing needs no flush; changing RIP or the ring now would
            // deliver it at the wrong place (a kick from another thread's page-table change can come at any time).
            if (stop)
            {
                Volatile.Write(ref _stopRequested, 1);
            }

            *dirty = 0;
            return InterruptOutcome.Continue;
        }

        if (!_stub.Contains(rip))
        {
            CaptureUserState();
            return stop ? InterruptOutcome.Stop : InterruptOutcome.Reenter;
        }

        if (rip == _stub.SysretPath || (rip >= _stub.IretPath && rip < _stub.FlushPathEnd))
        {
            // Stopped on a return path we chose (at its start, or inside the iretq or flush path, which restore what
            // they touch): Registers still hold the task's state and the frame the rest; redo the entry next time,
            // with a flush. Continuing instead could reach user code with a TLB older than the generation a
            // page-table change waits for (WaitUntilFlushed).
            _resume = rip == _stub.SysretPath ? ResumePath.Syscall : ResumePath.Frame;
            _flushedGeneration = -1;
            return stop ? InterruptOutcome.Stop : InterruptOutcome.Reenter;
        }

        // Inside the syscall entry or an exception entry, before its `out`: the stub's next step is an exit, with no
        // user instruction before it, so continuing needs no flush.
        if (stop)
        {
            Volatile.Write(ref _stopRequested, 1);
        }

        *dirty = 0;
        return InterruptOutcome.Continue;
    }
}
