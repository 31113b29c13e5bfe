using System.Buffers.Binary;
using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu.Paging;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// <see cref="ICpu"/> on Unicorn 2 with real x86-64 paging: the guest runs at CPL 3 on 4-level page tables this class
/// keeps in sync with the address space, in the identity layout of <see cref="IdentityPagingLayout"/>. Unicorn holds
/// exactly two regions, whatever the guest maps: the user range (backed by the address space's always read-write
/// kernel view; the page tables alone decide what the guest may touch) and the page-table block.
/// </summary>
/// <remarks>
/// <para><b>Faults.</b> A lazy page stays not present until the address space populated it. A page fault on a page
/// the address space already populated is resolved inside the hook (entry installed with the area's permissions, the
/// instruction restarts); any other fault ends the run with <see cref="CpuEventKind.PageFault"/>, and the kernel's
/// <c>HandlePageFault</c> decides (populating and counting the page, or SIGSEGV). The #PF error code is not readable
/// through Unicorn's API, so the access is inferred: an instruction fetch when CR2 is RIP or the present entry forbids
/// execution at RIP's page, a write when the present entry is read-only, a read otherwise.</para>
/// <para><b>Changes.</b> <see cref="MappingsChanged"/> on a range without present entries costs nothing (fresh
/// mmap); otherwise the entries are cleared, translated code of executable entries is dropped and the TLB flushed
/// (Unicorn 2.0.1 has no API for that: a CR3 reload run at CPL 0 from a saved ring-0 context). Inside a run such a
/// change stops the run and is applied before the next.</para>
/// </remarks>
public sealed class UnicornCpu : ICpu
{
    /// <summary>The number of Unicorn regions this backend maps: the user range and the page-table block.</summary>
    private const int RegionsUsed = 2;

    /// <summary>Unicorn 2.0.1 slows down with many regions and aborts past about 4 000.</summary>
    private const int UnicornRegionLimit = 1024;

    /// <summary>Ranges up to this many pages get their populated pages mapped at once by <see cref="MappingsChanged"/>
    /// (the fault path, small mprotects); larger ranges are only cleared and refill on touch.</summary>
    private const ulong EagerRangePages = 16;

    private const int UnicornProtectionAll = 7;
    private const uint EferMsr = 0xC000_0080;
    private const ulong EferSyscall = 0x1;
    private const ulong EferLongModeEnable = 0x100;
    private const ulong EferLongModeActive = 0x400;
    private const ulong EferNoExecuteEnable = 0x800;
    private const ulong Cr0ProtectionEnable = 0x1;
    private const ulong Cr0WriteProtect = 0x1_0000;
    private const ulong Cr0Paging = 0x8000_0000;
    private const ulong Cr4PhysicalAddressExtension = 0x20;
    private const int MaxInstructionLength = 15;

    // uc_err values that end a run.
    private const int ErrOk = 0;
    private const int ErrInvalidInstruction = 10;

    private static readonly X86Register[] RegisterIds =
    [
        X86Register.Rax, X86Register.Rbx, X86Register.Rcx, X86Register.Rdx, X86Register.Rsi, X86Register.Rdi,
        X86Register.Rbp, X86Register.Rsp, X86Register.R8, X86Register.R9, X86Register.R10, X86Register.R11,
        X86Register.R12, X86Register.R13, X86Register.R14, X86Register.R15, X86Register.Rip, X86Register.Rflags,
        X86Register.FsBase, X86Register.GsBase,
    ];

    private readonly AddrSpace _space;
    private readonly UnicornEngine _engine;
    private readonly GuestPageTables _tables;
    private readonly IdentityPagingLayout _layout;
    private readonly nint _ringZero;
    private readonly nint _scratch;
    private readonly Action<ulong, ulong> _removeCode;
    private ulong _changedStart = ulong.MaxValue;
    private ulong _changedEnd;
    private ulong _codeStart = ulong.MaxValue;
    private ulong _codeEnd;
    private CpuEvent? _pendingEvent;
    private bool _inUserMode;
    private bool _calibrating;
    private nint _calibrationFresh;
    private ulong _lastResolvedPage = ulong.MaxValue;
    private ulong _lastResolvedRip = ulong.MaxValue;
    private int _stopRequested;
    private volatile bool _running;

    /// <summary>Opens an engine for <paramref name="space"/>, builds the page tables (nothing of the user range mapped)
    /// and prepares the ring-0 stub.</summary>
    /// <param name="space">The guest's address space; it must outlive this CPU.</param>
    /// <exception cref="InvalidOperationException">Unicorn refused the setup, or this Unicorn build does not allow guest
    /// paging (see <see cref="UnicornStateOffsets"/>).</exception>
    public UnicornCpu(AddrSpace space)
    {
        _space = space ?? throw new ArgumentNullException(nameof(space));
        _layout = new IdentityPagingLayout(space.UserRange.End.Value);
        _engine = new UnicornEngine();
        _tables = new GuestPageTables(_layout);
        _removeCode = RemoveCode;
        try
        {
            _engine.SyscallHandler = OnSyscall;
            _engine.InterruptHandler = OnInterrupt;
            _engine.PortIoHandler = OnPortIo;
            Check(_engine.UseNoExitAddress(), "uc_ctl(exits)");
            Check(_engine.MapPointer(0, _layout.UserEnd, UnicornProtectionAll, space.KernelBase), "uc_mem_map_ptr(user range)");
            Check(_engine.MapPointer(_layout.BlockBase, _layout.BlockSize, UnicornProtectionAll, _tables.HostBase), "uc_mem_map_ptr(page tables)");
            _tables.WriteStub(RingZeroStub.Build());
            _engine.WriteGdtr(_layout.StubAddress, RingZeroStub.GdtLimit);
            _scratch = _engine.AllocateContext();
            _ringZero = _engine.AllocateContext();
            EnableLongModePaging();
            _engine.WriteSelector(X86Register.Ss, RingZeroStub.KernelData);
            CalibrateExceptionState();
            _engine.SaveContext(_ringZero);
        }
        catch
        {
            _engine.Dispose();
            _tables.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ICpuEventHandler? Handler { get; set; }

    /// <inheritdoc/>
    /// <remarks>Always two, whatever the guest maps.</remarks>
    public int MappedRegionCount => RegionsUsed;

    /// <inheritdoc/>
    public int MaxMappedRegions => UnicornRegionLimit;

    private static ReadOnlySpan<int> SyscallRegisters =>
    [
        (int)X86Register.Rax, (int)X86Register.Rdi, (int)X86Register.Rsi, (int)X86Register.Rdx,
        (int)X86Register.R10, (int)X86Register.R8, (int)X86Register.R9,
    ];

    /// <inheritdoc/>
    public CpuEvent Run()
    {
        ApplyPendingChanges();
        _running = true;
        if (Interlocked.Exchange(ref _stopRequested, 0) != 0)
        {
            _running = false;
            return CpuEvent.Stopped;
        }

        ulong begin = _inUserMode ? _engine.Read(X86Register.Rip) : PrepareUserEntry();
        _inUserMode = true;

        // A stop requested from another thread between the check above and uc_emu_start's start can be lost until
        // the next event (uc_emu_start resets Unicorn's request); callers that need it re-request.
        int err = _engine.Run(begin);
        _running = false;
        if (_engine.PendingException is { } e)
        {
            _engine.PendingException = null;
            throw new InvalidOperationException("The syscall layer failed.", e);
        }

        ApplyPendingChanges();
        _ = Interlocked.Exchange(ref _stopRequested, 0);
        if (_pendingEvent is CpuEvent pending)
        {
            _pendingEvent = null;
            return pending;
        }

        return err switch
        {
            ErrOk => CpuEvent.Stopped,
            ErrInvalidInstruction => CpuEvent.Exception(X86Vector.InvalidOpcode),
            _ => CpuEvent.Exception(X86Vector.GeneralProtection),
        };
    }

    /// <inheritdoc/>
    public void RequestStop()
    {
        Volatile.Write(ref _stopRequested, 1);
        if (_running)
        {
            _engine.Stop();
        }
    }

    /// <inheritdoc/>
    public ulong Read(CpuRegister register) => _engine.Read(RegisterIds[(int)register]);

    /// <inheritdoc/>
    public void Write(CpuRegister register, ulong value) => _engine.Write(RegisterIds[(int)register], value);

    /// <inheritdoc/>
    public bool SaveVectorState(Span<byte> area)
    {
        if (area.Length < ICpu.FxsaveSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(area[FxsaveControlOffset..], (ushort)_engine.Read((X86Register)UcFpuControl));
        BinaryPrimitives.WriteUInt16LittleEndian(area[FxsaveStatusOffset..], (ushort)_engine.Read((X86Register)UcFpuStatus));
        BinaryPrimitives.WriteUInt32LittleEndian(area[FxsaveMxcsrOffset..], (uint)_engine.Read((X86Register)UcMxcsr));
        BinaryPrimitives.WriteUInt32LittleEndian(area[FxsaveMxcsrMaskOffset..], MxcsrMask);
        for (int i = 0; i < XmmCount; i++)
        {
            _engine.ReadWide(UcXmm0 + i, area[(FxsaveXmmOffset + (i * UnicornEngine.WideRegisterSize))..]);
        }

        return true;
    }

    /// <inheritdoc/>
    public void RestoreVectorState(ReadOnlySpan<byte> area)
    {
        if (area.Length < ICpu.FxsaveSize)
        {
            return;
        }

        _engine.Write((X86Register)UcFpuControl, BinaryPrimitives.ReadUInt16LittleEndian(area[FxsaveControlOffset..]));
        _engine.Write((X86Register)UcFpuStatus, BinaryPrimitives.ReadUInt16LittleEndian(area[FxsaveStatusOffset..]));
        _engine.Write((X86Register)UcMxcsr, BinaryPrimitives.ReadUInt32LittleEndian(area[FxsaveMxcsrOffset..]) & MxcsrMask);
        for (int i = 0; i < XmmCount; i++)
        {
            _engine.WriteWide(UcXmm0 + i, area[(FxsaveXmmOffset + (i * UnicornEngine.WideRegisterSize))..]);
        }
    }

    // Unicorn 2 register ids (unicorn/x86.h) and fxsave offsets for the vector state.
    private const int UcXmm0 = 122;
    private const int UcMxcsr = 249;
    private const int UcFpuControl = 246;
    private const int UcFpuStatus = 31;
    private const int XmmCount = 16;
    private const int FxsaveControlOffset = 0;
    private const int FxsaveStatusOffset = 2;
    private const int FxsaveMxcsrOffset = 24;
    private const int FxsaveMxcsrMaskOffset = 28;
    private const int FxsaveXmmOffset = 160;
    private const uint MxcsrMask = 0xffff;

    /// <inheritdoc/>
    public void ReadSyscallRegisters(Span<ulong> values) => _engine.ReadBatch(SyscallRegisters, values);

    /// <inheritdoc/>
    /// <remarks>Free when no entry of the range is present (a fresh mapping); small ranges get their populated pages
    /// mapped at once (the page the kernel just populated after a fault).</remarks>
    public void MappingsChanged(ulong start, ulong end)
    {
        if (!Clamp(ref start, ref end))
        {
            return;
        }

        if (!_tables.AnyPresent(start, end, out _))
        {
            MapPopulated(start, end);
            return;
        }

        if (_running)
        {
            _changedStart = Math.Min(_changedStart, start);
            _changedEnd = Math.Max(_changedEnd, end);
            _engine.Stop(); // applied when uc_emu_start returns
            return;
        }

        Apply(start, end);
    }

    /// <inheritdoc/>
    /// <remarks>Only pages mapped executable can hold translated code; for any other range this returns at once.</remarks>
    public void FlushCode(ulong start, ulong end)
    {
        if (!Clamp(ref start, ref end) || !_tables.AnyPresent(start, end, out bool executable) || !executable)
        {
            return;
        }

        if (_running)
        {
            _codeStart = Math.Min(_codeStart, start);
            _codeEnd = Math.Max(_codeEnd, end);
            _engine.Stop();
            return;
        }

        _tables.ForEachExecutableRun(start, end, _removeCode);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _engine.Dispose();
        _tables.Dispose();
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException(what + " failed: " + UnicornEngine.ErrorText(error));
        }
    }

    private bool Clamp(ref ulong start, ref ulong end)
    {
        start = Pages.AlignDown4K(start);
        end = Math.Min(end, _layout.UserEnd);
        if (!Pages.TryAlignUp4K(end, out end))
        {
            end = _layout.UserEnd;
        }

        return start < end;
    }

    /// <summary>CR3, CR4.PAE, EFER (LME, LMA, NXE, SCE: NXE patched through a saved context), then CR0.PG.</summary>
    private void EnableLongModePaging()
    {
        nint before = _engine.AllocateContext();
        _engine.SaveContext(before);
        _engine.WriteMsr(EferMsr, UnicornStateOffsets.EferWithoutLme);
        _engine.SaveContext(_scratch);
        UnicornStateOffsets.FindEfer(_engine, before, _scratch);
        _engine.WriteContextUInt64(before, UnicornStateOffsets.Efer, EferLongModeEnable | EferLongModeActive | EferNoExecuteEnable | EferSyscall);
        _engine.RestoreContext(before);
        _engine.Write(X86Register.Cr3, _layout.Root);
        _engine.Write(X86Register.Cr4, _engine.Read(X86Register.Cr4) | Cr4PhysicalAddressExtension);
        _engine.Write(X86Register.Cr0, _engine.Read(X86Register.Cr0) | Cr0Paging | Cr0WriteProtect | Cr0ProtectionEnable);
    }

    /// <summary>Raises one page fault at CPL 0 (the probe reads an unmapped user page) to find, once per process,
    /// where Unicorn keeps the exception in flight; the hook resets it like every later exception.</summary>
    private void CalibrateExceptionState()
    {
        _calibrationFresh = _engine.AllocateContext();
        _engine.SaveContext(_calibrationFresh);
        _calibrating = true;
        int err = _engine.Run(_layout.StubAddress + RingZeroStub.FaultProbeOffset);
        _calibrating = false;
        if (_engine.PendingException is { } e)
        {
            _engine.PendingException = null;
            throw new InvalidOperationException("Calibrating guest paging failed.", e);
        }

        if (err != ErrOk || UnicornStateOffsets.OldException < 0)
        {
            throw new InvalidOperationException("Calibrating guest paging failed: the probe raised no page fault (" + UnicornEngine.ErrorText(err) + ").");
        }
    }

    /// <summary>The first run enters user mode through the ring-0 <c>iretq</c>: the frame holds the guest's RIP, RSP
    /// and RFLAGS (IOPL forced to 0) with Linux's user selectors.</summary>
    private ulong PrepareUserEntry()
    {
        ulong rflags = (_engine.Read(X86Register.Rflags) & ~RingZeroStub.IoPrivilegeMask) | RingZeroStub.RflagsFixed;
        ReadOnlySpan<ulong> frame =
        [
            _engine.Read(X86Register.Rip), RingZeroStub.UserCode, rflags, _engine.Read(X86Register.Rsp), RingZeroStub.UserData,
        ];
        _engine.Write(X86Register.Rsp, _tables.PushOnStack(frame));
        return _layout.StubAddress + RingZeroStub.EnterUserOffset;
    }

    private void ApplyPendingChanges()
    {
        if (_changedStart < _changedEnd)
        {
            ulong start = _changedStart, end = _changedEnd;
            _changedStart = ulong.MaxValue;
            _changedEnd = 0;
            Apply(start, end);
        }

        if (_codeStart < _codeEnd)
        {
            ulong start = _codeStart, end = _codeEnd;
            _codeStart = ulong.MaxValue;
            _codeEnd = 0;
            _tables.ForEachExecutableRun(start, end, _removeCode);
        }
    }

    /// <summary>Outside a run: drops translated code of executable entries (while they still allow the fetch Unicorn
    /// translates through), clears the entries, flushes the TLB, then maps populated pages of small ranges.</summary>
    private void Apply(ulong start, ulong end)
    {
        _tables.ForEachExecutableRun(start, end, _removeCode);
        if (_tables.Clear(start, end))
        {
            FlushTlb();
        }

        MapPopulated(start, end);
    }

    private void RemoveCode(ulong start, ulong end) => Check(_engine.RemoveCachedCode(start, end), "uc_ctl(remove cache)");

    /// <summary>Reloads CR3 at CPL 0: the guest's context is saved, the ring-0 context restored, the stub's
    /// <c>mov cr3</c> run up to its <c>hlt</c>, and the guest's context restored.</summary>
    private void FlushTlb()
    {
        _engine.SaveContext(_scratch);
        _engine.RestoreContext(_ringZero);
        int err = _engine.Run(_layout.StubAddress + RingZeroStub.FlushTlbOffset);
        _engine.RestoreContext(_scratch);
        Check(err, "the TLB flush");
    }

    private void MapPopulated(ulong start, ulong end)
    {
        if ((end - start) / Pages.Size4K > EagerRangePages)
        {
            return;
        }

        for (ulong page = start; page < end; page += Pages.Size4K)
        {
            if (_space.IsPopulated(new VirtAddr(page)))
            {
                _tables.Set(page, PageTableEntry.ForArea(AreaFlags(page)));
            }
        }
    }

    /// <summary>The access flags of the area holding <paramref name="page"/> (None when there is none).</summary>
    private MappingFlags AreaFlags(ulong page)
    {
        var range = VirtAddrRange.FromStartSize(new VirtAddr(page), Pages.Size4K);
        MappingFlags flags = MappingFlags.None;
        if (_space.CheckRegionAccess(range, MappingFlags.Read))
        {
            flags |= MappingFlags.Read;
        }

        if (_space.CheckRegionAccess(range, MappingFlags.Write))
        {
            flags |= MappingFlags.Write;
        }

        if (_space.CheckRegionAccess(range, MappingFlags.Execute))
        {
            flags |= MappingFlags.Execute;
        }

        return flags;
    }

    private void OnSyscall() => Handler!.OnSyscall(this);

    /// <summary>Port I/O from the guest (always CPL 3 with IOPL 0): the general protection fault Unicorn does not
    /// raise. The instruction has already completed when the run ends.</summary>
    private void OnPortIo()
    {
        _pendingEvent = CpuEvent.Exception(X86Vector.GeneralProtection);
        _engine.Stop();
    }

    private void OnInterrupt(int vector)
    {
        if (_calibrating)
        {
            _engine.SaveContext(_scratch);
            UnicornStateOffsets.FindOldException(_engine, _calibrationFresh, _scratch, vector);
            ResetExceptionInFlight();
            _engine.Stop();
            return;
        }

        if (vector == X86Vector.PageFault)
        {
            ulong address = _engine.Read(X86Register.Cr2);
            ulong rip = _engine.Read(X86Register.Rip);
            if (TryResolve(address, rip))
            {
                ResetExceptionInFlight();
                return; // the instruction restarts
            }

            _pendingEvent = CpuEvent.PageFault(address, InferAccess(address, rip));
        }
        else
        {
            _pendingEvent = CpuEvent.Exception(vector);
        }

        ResetExceptionInFlight();
        _engine.Stop();
    }

    /// <summary>Maps a page the address space already populated (after a clear, a fork or an exec), unless its entry
    /// is present (a protection fault) or the same fault repeats at the same instruction.</summary>
    private bool TryResolve(ulong address, ulong rip)
    {
        ulong page = Pages.AlignDown4K(address);
        if (address >= _layout.UserEnd || PageTableEntry.IsPresent(_tables.Entry(address))
            || (page == _lastResolvedPage && rip == _lastResolvedRip) || !_space.IsPopulated(new VirtAddr(page)))
        {
            return false;
        }

        ulong bits = PageTableEntry.ForArea(AreaFlags(page));
        if (bits == 0)
        {
            return false;
        }

        _tables.Set(page, bits);
        _lastResolvedPage = page;
        _lastResolvedRip = rip;
        return true;
    }

    private MappingFlags InferAccess(ulong address, ulong rip)
    {
        ulong entry = _tables.Entry(address);
        bool fetch = address == rip || (address > rip && address - rip < MaxInstructionLength && Pages.AlignDown4K(address) != Pages.AlignDown4K(rip));
        if (!PageTableEntry.IsPresent(entry))
        {
            return fetch && address == rip ? MappingFlags.Execute : MappingFlags.Read;
        }

        if ((entry & PageTableEntry.NoExecute) != 0 && fetch)
        {
            return MappingFlags.Execute;
        }

        return (entry & PageTableEntry.Writable) == 0 ? MappingFlags.Write : MappingFlags.Read;
    }

    /// <summary>Sets QEMU's exception-in-flight state back to "none" (see <see cref="UnicornStateOffsets"/>).</summary>
    private void ResetExceptionInFlight()
    {
        _engine.SaveContext(_scratch);
        _engine.WriteContextInt32(_scratch, UnicornStateOffsets.OldException, UnicornStateOffsets.NoException);
        _engine.RestoreContext(_scratch);
    }
}
