using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu.Paging;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// One Unicorn 2 engine with real x86-64 paging, shared by every thread (<see cref="UnicornCpu"/>) of one guest
/// process: the guest runs at CPL 3 on 4-level page tables this class keeps in sync with the address space, in the
/// identity layout of <see cref="IdentityPagingLayout"/>. Unicorn holds exactly two regions, whatever the guest maps:
/// the user range (backed by the address space's always read-write kernel view; the page tables alone decide what the
/// guest may touch) and the page-table block.
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
/// <para><b>Threads.</b> Each thread's registers live in its own saved context (<c>uc_context</c>, FS base and vector
/// state included); the <see cref="EngineScheduler"/> baton lets one thread at a time restore its context and run.
/// A thread's context is saved when its run ends, so outside a run its registers are read and written in the saved
/// context. While more than one thread exists, a syscall leaves the engine (the run returns
/// <see cref="CpuEventKind.Syscall"/>) so that it is handled without the baton and may block. A mapping change made
/// outside a run takes the baton urgently (stopping the running thread), so it applies to every thread before any of
/// them executes another instruction: they share the page tables, the TLB and the translated code.</para>
/// <para><b>Stops from other threads.</b> Unicorn 2.0.1's <c>uc_emu_stop</c> called from another host thread can end a
/// run with the PC at the start of a block some of whose instructions already ran (they run twice: a thread's stack
/// came apart within a few preemptions, and a single-threaded guest whose SIGCHLD arrived mid-block resumed with
/// corrupt registers after its handler returned). So every engine carries a native block hook
/// (<see cref="BlockStopStub"/>, installed at creation), and a stop requested from another thread is only flagged:
/// the hook performs it at the next block start, before any of the block's instructions. The hook costs a native
/// call per translated block, a few instructions, and no managed transition (see BENCHMARKS.md).
/// Driving one engine from different host threads one after another is fine (checked with a C probe: 2.1 M
/// <c>lock inc</c> from alternating threads, none lost).</para>
/// </remarks>
internal sealed class UnicornMachine
{
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
    private const ulong SyscallInstructionLength = 2;

    // uc_err values that end a run.
    private const int ErrOk = 0;
    private const int ErrInvalidInstruction = 10;
    private const int ErrReadUnmapped = 6;
    private const int ErrWriteUnmapped = 7;
    private const int ErrFetchUnmapped = 8;

    /// <summary>Bits 47 to 63 of a canonical address, which must all be equal.</summary>
    private const int CanonicalTopShift = 47;

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
    private readonly EngineScheduler _scheduler;
    /// <summary>What CR2 holds between page faults: a non-canonical address, which no page fault can report (a
    /// non-canonical access raises #GP), so vector 14 with CR2 still at this value is an <c>int $14</c>.</summary>
    private const ulong NoFaultAddress = 0x8000_0000_0000_0000;

    private bool _calibrating;
    private nint _calibrationFresh;
    private UnicornCpu? _current;
    private UnicornCpu? _loaded;
    private bool _guestRunning;
    private int _threads;
    private int _runningThreadId;

    /// <summary>Opens an engine for <paramref name="space"/>, builds the page tables (nothing of the user range mapped)
    /// and prepares the ring-0 stub.</summary>
    /// <param name="space">The guest's address space; it must outlive this engine.</param>
    /// <exception cref="InvalidOperationException">Unicorn refused the setup, or this Unicorn build does not allow guest
    /// paging (see <see cref="UnicornStateOffsets"/>).</exception>
    internal UnicornMachine(AddrSpace space)
    {
        _scheduler = new EngineScheduler(PreemptRunning);
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
            Check(_engine.AddStopAtBlockHook(), "uc_hook_add(block)");
            Check(_engine.MapPointer(0, _layout.UserEnd, UnicornProtectionAll, space.KernelBase), "uc_mem_map_ptr(user range)");
            Check(_engine.MapPointer(_layout.BlockBase, _layout.BlockSize, UnicornProtectionAll, _tables.HostBase), "uc_mem_map_ptr(page tables)");
            MapRestOfCanonicalSpace();
            _tables.WriteStub(RingZeroStub.Build());
            _engine.WriteGdtr(_layout.StubAddress, RingZeroStub.GdtLimit);
            _scratch = _engine.AllocateContext();
            _ringZero = _engine.AllocateContext();
            EnableLongModePaging();
            _engine.WriteSelector(X86Register.Ss, RingZeroStub.KernelData);
            CalibrateExceptionState();
            _engine.Write(X86Register.Cr2, NoFaultAddress);
            _engine.SaveContext(_ringZero);
        }
        catch
        {
            _engine.Dispose();
            _tables.Dispose();
            throw;
        }
    }

    private static ReadOnlySpan<int> SyscallRegisters =>
    [
        (int)X86Register.Rax, (int)X86Register.Rdi, (int)X86Register.Rsi, (int)X86Register.Rdx,
        (int)X86Register.R10, (int)X86Register.R8, (int)X86Register.R9,
    ];

    /// <summary>The number of threads (CPUs) attached to this engine.</summary>
    internal int ThreadCount => Volatile.Read(ref _threads);

    /// <summary>Attaches a new thread: its context starts as a copy of <paramref name="from"/>'s registers (as they
    /// will be when the syscall being handled returns), or of the engine's initial state.</summary>
    /// <param name="cpu">The new thread's CPU.</param>
    /// <param name="from">The thread it copies, or null for the first thread.</param>
    internal void Attach(UnicornCpu cpu, UnicornCpu? from)
    {
        lock (_scheduler.Gate)
        {
            cpu.Context = _engine.AllocateContext();
            _threads++;
            if (from is null)
            {
                _engine.SaveContext(cpu.Context);
                _loaded = cpu;
                return;
            }

            if (!from.InRun)
            {
                _engine.CopyContext(from.Context, cpu.Context);
            }
        }

        if (from.InRun)
        {
            _engine.SaveContext(cpu.Context); // inside the parent's syscall hook: its registers are the engine's
        }

        // The parent's RIP reads as its syscall instruction while the syscall is handled; the child starts after it.
        _engine.WriteContext(cpu.Context, X86Register.Rip, _engine.ReadContext(cpu.Context, X86Register.Rip) + SyscallInstructionLength);
        cpu.InUserMode = true;
    }

    /// <summary>Detaches a thread that ended; the last one closes the engine.</summary>
    /// <param name="cpu">The thread's CPU.</param>
    internal void Detach(UnicornCpu cpu)
    {
        bool last;
        lock (_scheduler.Gate)
        {
            _engine.FreeContext(cpu.Context);
            cpu.Context = 0;
            if (ReferenceEquals(_loaded, cpu))
            {
                _loaded = null;
            }

            last = --_threads == 0;
        }

        if (last)
        {
            _engine.Dispose();
            _tables.Dispose();
        }
    }

    /// <summary>Runs <paramref name="cpu"/>'s thread until an event (see <see cref="ICpu.Run"/>), holding the baton.</summary>
    /// <param name="cpu">The thread.</param>
    /// <returns>The event.</returns>
    internal CpuEvent Run(UnicornCpu cpu)
    {
        _scheduler.Acquire(cpu, urgent: false);
        try
        {
            if (!ReferenceEquals(_loaded, cpu))
            {
                _engine.RestoreContext(cpu.Context);
                _loaded = cpu;
            }

            cpu.InRun = true;
            _current = cpu;
            _runningThreadId = Environment.CurrentManagedThreadId;
            ApplyPendingChanges();
            lock (_scheduler.Gate)
            {
                if (Interlocked.Exchange(ref cpu.StopRequested, 0) != 0)
                {
                    return CpuEvent.Stopped;
                }

                _guestRunning = true;
                _engine.CancelStopAtNextBlock();
            }

            ulong begin = cpu.InUserMode ? _engine.Read(X86Register.Rip) : PrepareUserEntry();
            cpu.InUserMode = true;

            // A stop requested from another thread from here on is a flag the block hook acts on at the first block.
            int err = _engine.Run(begin);
            lock (_scheduler.Gate)
            {
                _guestRunning = false;
                _engine.CancelStopAtNextBlock(); // a request the run ended before taking must not stop a ring-0 helper run
            }

            if (_engine.PendingException is { } e)
            {
                _engine.PendingException = null;
                throw new InvalidOperationException("The syscall layer failed.", e);
            }

            ApplyPendingChanges();
            _ = Interlocked.Exchange(ref cpu.StopRequested, 0);
            if (cpu.PendingEvent is CpuEvent pending)
            {
                cpu.PendingEvent = null;
                if (cpu.PendingRip is ulong rip)
                {
                    cpu.PendingRip = null;
                    _engine.Write(X86Register.Rip, rip);
                }

                return pending;
            }

            return err switch
            {
                ErrOk => CpuEvent.Stopped,
                ErrInvalidInstruction => InvalidOpcodeAsLinuxSeesIt(),
                ErrReadUnmapped or ErrWriteUnmapped or ErrFetchUnmapped => OutsideMappedMemory(err, _engine.LastFaultAddress),
                _ => CpuEvent.Exception(X86Vector.GeneralProtection),
            };
        }
        finally
        {
            cpu.InRun = false;
            _current = null;
            _runningThreadId = 0;
            _engine.SaveContext(cpu.Context);
            _scheduler.Release(cpu);
        }
    }

    /// <summary>Covers every address above the page-table block (but the last page) with one empty I/O region. Unicorn
    /// 2.0.1 checks a virtual address against its regions before it walks the guest's page tables; without a region
    /// there, a user access to a kernel address (or to the vsyscall page) ended the run with RIP past the instruction,
    /// the rest of its block run, and a #GP, where Linux's CPU raises a precise #PF (and #GP for a non-canonical
    /// address). With the region, the page walk raises those (the guest's tables never map these addresses, so the
    /// region is never read or written).</summary>
    private void MapRestOfCanonicalSpace()
    {
        ulong lowStart = _layout.BlockBase + _layout.BlockSize; // whole pages
        Check(_engine.MapEmptyIo(lowStart, unchecked(0UL - lowStart) - IdentityPagingLayout.PageSize), "uc_mmio_map(above the block)");
    }

    /// <summary>The event for a run Unicorn ended because an access reached no region it maps (only the last page of the
    /// address space is left without one, see <see cref="MapRestOfCanonicalSpace"/>; RIP is then imprecise). Linux's CPU
    /// raises #PF for a canonical address there (a page fault nothing maps: SEGV_MAPERR) and #GP for a non-canonical
    /// one.</summary>
    private static CpuEvent OutsideMappedMemory(int err, ulong address)
    {
        long top = (long)address >> CanonicalTopShift;
        if (top is not 0 and not -1)
        {
            return CpuEvent.Exception(X86Vector.GeneralProtection);
        }

        MappingFlags access = err switch
        {
            ErrWriteUnmapped => MappingFlags.Write,
            ErrFetchUnmapped => MappingFlags.Execute,
            _ => MappingFlags.Read,
        };
        return CpuEvent.PageFault(address, access);
    }

    /// <summary>Asks <paramref name="cpu"/>'s current or next run to stop.</summary>
    /// <param name="cpu">The thread.</param>
    internal void RequestStop(UnicornCpu cpu)
    {
        Volatile.Write(ref cpu.StopRequested, 1);
        lock (_scheduler.Gate)
        {
            if (_guestRunning && ReferenceEquals(_current, cpu))
            {
                StopGuest();
            }
        }
    }

    /// <summary>Reads a register of <paramref name="cpu"/> (the engine inside its run, else its saved context).</summary>
    /// <param name="cpu">The thread.</param>
    /// <param name="register">The register.</param>
    /// <returns>The value.</returns>
    internal ulong Read(UnicornCpu cpu, X86Register register)
    {
        if (cpu.InRun)
        {
            return _engine.Read(register);
        }

        lock (_scheduler.Gate)
        {
            return _engine.ReadContext(cpu.Context, register);
        }
    }

    /// <summary>Writes a register of <paramref name="cpu"/>.</summary>
    /// <param name="cpu">The thread.</param>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    internal void Write(UnicornCpu cpu, X86Register register, ulong value)
    {
        if (cpu.InRun)
        {
            _engine.Write(register, value);
            return;
        }

        lock (_scheduler.Gate)
        {
            _engine.WriteContext(cpu.Context, register, value);
            if (ReferenceEquals(_loaded, cpu))
            {
                _loaded = null;
            }
        }
    }

    /// <summary>Reads a wide register (XMM) of <paramref name="cpu"/>.</summary>
    /// <param name="cpu">The thread.</param>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">At least <see cref="UnicornEngine.WideRegisterSize"/> bytes.</param>
    internal void ReadWide(UnicornCpu cpu, int register, Span<byte> value)
    {
        if (cpu.InRun)
        {
            _engine.ReadWide(register, value);
            return;
        }

        lock (_scheduler.Gate)
        {
            _engine.ReadContextRegister(cpu.Context, register, value);
        }
    }

    /// <summary>Writes a wide register (XMM) of <paramref name="cpu"/>.</summary>
    /// <param name="cpu">The thread.</param>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">At least <see cref="UnicornEngine.WideRegisterSize"/> bytes.</param>
    internal void WriteWide(UnicornCpu cpu, int register, ReadOnlySpan<byte> value)
    {
        if (cpu.InRun)
        {
            _engine.WriteWide(register, value);
            return;
        }

        lock (_scheduler.Gate)
        {
            _engine.WriteContextRegister(cpu.Context, register, value);
            if (ReferenceEquals(_loaded, cpu))
            {
                _loaded = null;
            }
        }
    }

    /// <summary>Reads the syscall number and arguments of <paramref name="cpu"/>.</summary>
    /// <param name="cpu">The thread.</param>
    /// <param name="values">At least <see cref="ICpu.SyscallRegisterCount"/> slots.</param>
    internal void ReadSyscallRegisters(UnicornCpu cpu, Span<ulong> values)
    {
        if (cpu.InRun)
        {
            _engine.ReadBatch(SyscallRegisters, values);
            return;
        }

        ReadOnlySpan<int> ids = SyscallRegisters;
        lock (_scheduler.Gate)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                values[i] = _engine.ReadContext(cpu.Context, (X86Register)ids[i]);
            }
        }
    }

    /// <summary>Stops the guest run in progress (the baton's preempt callback; under its gate).</summary>
    private void PreemptRunning()
    {
        if (_guestRunning)
        {
            StopGuest();
        }
    }

    /// <summary>Stops the guest run in progress (under the baton's gate). A request from the running thread itself (a
    /// hook) stops at once; from another thread it is flagged for the block hook (see the class remarks: Unicorn 2.0.1's
    /// <c>uc_emu_stop</c> is not precise from another thread).</summary>
    private void StopGuest()
    {
        if (Environment.CurrentManagedThreadId == _runningThreadId)
        {
            _engine.Stop();
            return;
        }

        _engine.RequestStopAtNextBlock();
    }

    /// <summary>See <see cref="ICpu.MappingsChanged"/>: free when no entry of the range is present (a fresh mapping);
    /// small ranges get their populated pages mapped at once (the page the kernel just populated after a fault).
    /// Inside <paramref name="cpu"/>'s run (its syscall hook) the change is recorded and the run stopped; outside, the
    /// baton is taken urgently and the change applied before any thread runs on.</summary>
    /// <param name="cpu">The thread that asks.</param>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    internal void MappingsChanged(UnicornCpu cpu, ulong start, ulong end)
    {
        if (!Clamp(ref start, ref end))
        {
            return;
        }

        if (cpu.InRun)
        {
            if (!_tables.AnyPresent(start, end, out _))
            {
                MapPopulated(start, end);
                return;
            }

            _changedStart = Math.Min(_changedStart, start);
            _changedEnd = Math.Max(_changedEnd, end);
            _engine.Stop(); // applied when uc_emu_start returns
            return;
        }

        object token = new();
        _scheduler.Acquire(token, urgent: true);
        try
        {
            ApplyPendingChanges();
            if (!_tables.AnyPresent(start, end, out _))
            {
                MapPopulated(start, end);
                return;
            }

            Apply(start, end);
        }
        finally
        {
            _scheduler.Release(token);
        }
    }

    /// <summary>See <see cref="ICpu.FlushCode"/>: only pages mapped executable can hold translated code; for any other
    /// range this returns at once.</summary>
    /// <param name="cpu">The thread that asks.</param>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    internal void FlushCode(UnicornCpu cpu, ulong start, ulong end)
    {
        if (!Clamp(ref start, ref end))
        {
            return;
        }

        if (cpu.InRun)
        {
            if (!_tables.AnyPresent(start, end, out bool executable) || !executable)
            {
                return;
            }

            _codeStart = Math.Min(_codeStart, start);
            _codeEnd = Math.Max(_codeEnd, end);
            _engine.Stop();
            return;
        }

        object token = new();
        _scheduler.Acquire(token, urgent: false);
        try
        {
            if (_tables.AnyPresent(start, end, out bool executable) && executable)
            {
                _tables.ForEachExecutableRun(start, end, _removeCode);
            }
        }
        finally
        {
            _scheduler.Release(token);
        }
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

    /// <summary>The syscall hook: with one thread the handler runs right here (the fast path); with more, the run ends
    /// (<see cref="CpuEventKind.Syscall"/>) so that the syscall is handled without the baton.</summary>
    private void OnSyscall()
    {
        UnicornCpu cpu = _current!;
        if (Volatile.Read(ref _threads) > 1)
        {
            cpu.PendingEvent = new CpuEvent(CpuEventKind.Syscall);
            _engine.Stop();
            return;
        }

        cpu.Handler!.OnSyscall(cpu);
    }

    /// <summary>Port I/O from the guest (always CPL 3 with IOPL 0): the general protection fault Unicorn does not
    /// raise. The instruction has already completed when the run ends.</summary>
    private void OnPortIo()
    {
        if (_current is { } cpu)
        {
            cpu.PendingEvent = CpuEvent.Exception(X86Vector.GeneralProtection);
        }

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

        if (vector == X86Vector.PageFault && _engine.Read(X86Register.Cr2) != NoFaultAddress)
        {
            ulong address = _engine.Read(X86Register.Cr2);
            _engine.Write(X86Register.Cr2, NoFaultAddress); // so that an `int $14` later is told apart (below)
            ulong rip = _engine.Read(X86Register.Rip);
            if (_current is { } faulting && TryResolve(faulting, address, rip))
            {
                ResetExceptionInFlight();
                return; // the instruction restarts
            }

            _current?.PendingEvent = CpuEvent.PageFault(address, InferAccess(address, rip));
        }
        else if (_current is { } cpu)
        {
            (cpu.PendingEvent, cpu.PendingRip) = AsLinuxSeesIt(vector, _engine.Read(X86Register.Rip));
        }

        ResetExceptionInFlight();
        _engine.Stop();
    }

    /// <summary>The event (and RIP, when it moves) Linux's CPU shows for vector <paramref name="vector"/> that
    /// Unicorn raised with RIP at <paramref name="rip"/>. Unicorn checks no IDT gate: it delivers every <c>int N</c> as
    /// vector N with RIP after the instruction, so the two bytes before RIP are read: <c>int N</c> there is what
    /// <see cref="SoftwareInterrupt.ForIntInstruction"/> says (<c>int1</c> and <c>int $6</c> end the run as invalid
    /// instructions instead: <see cref="InvalidOpcodeAsLinuxSeesIt"/>). A real fault whose two preceding bytes happen to encode <c>int N</c> with its
    /// own vector would be taken for one: RIP at a faulting instruction never follows such bytes in compiled code, and
    /// a page fault is told apart by CR2 instead (<see cref="NoFaultAddress"/>).</summary>
    private (CpuEvent Event, ulong? Rip) AsLinuxSeesIt(int vector, ulong rip)
    {
        Span<byte> code = stackalloc byte[SoftwareInterrupt.IntLength];
        if (rip >= SoftwareInterrupt.IntLength && TryReadCode(rip - SoftwareInterrupt.IntLength, code)
            && code[0] == SoftwareInterrupt.IntOpcode && code[1] == vector)
        {
            (CpuEvent e, ulong at) = SoftwareInterrupt.ForIntInstruction(vector, rip - SoftwareInterrupt.IntLength);
            return (e, at == rip ? null : at);
        }

        return (CpuEvent.Exception(vector), null);
    }

    /// <summary>The event for a run Unicorn ended with "invalid instruction" at RIP (it raises #UD that way, without the
    /// interrupt hook): <c>int1</c> is a #DB trap, and <c>int $6</c> (which Unicorn also ends this way, RIP at the
    /// instruction) goes through a gate user mode may not use; anything else is #UD.</summary>
    private CpuEvent InvalidOpcodeAsLinuxSeesIt()
    {
        ulong rip = _engine.Read(X86Register.Rip);
        Span<byte> code = stackalloc byte[SoftwareInterrupt.IntLength];
        if (TryReadCode(rip, code[..SoftwareInterrupt.Int1Length]) && code[0] == SoftwareInterrupt.Int1Opcode)
        {
            _engine.Write(X86Register.Rip, rip + SoftwareInterrupt.Int1Length);
            return CpuEvent.Exception(X86Vector.Debug);
        }

        if (TryReadCode(rip, code) && code[0] == SoftwareInterrupt.IntOpcode && code[1] == X86Vector.InvalidOpcode)
        {
            (CpuEvent e, ulong at) = SoftwareInterrupt.ForIntInstruction(X86Vector.InvalidOpcode, rip);
            _engine.Write(X86Register.Rip, at);
            return e;
        }

        return CpuEvent.Exception(X86Vector.InvalidOpcode);
    }

    /// <summary>Reads guest code through the identity mapping, when every byte's page is present.</summary>
    private bool TryReadCode(ulong address, Span<byte> into) =>
        address + (ulong)into.Length <= _layout.UserEnd
        && PageTableEntry.IsPresent(_tables.Entry(address))
        && PageTableEntry.IsPresent(_tables.Entry(address + (ulong)into.Length - 1))
        && _engine.ReadPhysical(address, into);

    /// <summary>Maps a page the address space already populated (after a clear, a fork or an exec), unless its entry
    /// is present (a protection fault) or the same fault repeats at the same instruction.</summary>
    private bool TryResolve(UnicornCpu cpu, ulong address, ulong rip)
    {
        ulong page = Pages.AlignDown4K(address);
        if (address >= _layout.UserEnd || PageTableEntry.IsPresent(_tables.Entry(address))
            || (page == cpu.LastResolvedPage && rip == cpu.LastResolvedRip) || !_space.IsPopulated(new VirtAddr(page)))
        {
            return false;
        }

        ulong bits = PageTableEntry.ForArea(AreaFlags(page));
        if (bits == 0)
        {
            return false;
        }

        _tables.Set(page, bits);
        cpu.LastResolvedPage = page;
        cpu.LastResolvedRip = rip;
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
