using System.Buffers.Binary;
using System;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// <see cref="ICpu"/> on Unicorn 2: syscalls are handled inside Unicorn's instruction hook (the fast path), faults
/// end <c>uc_emu_start</c> with an error that becomes a <see cref="CpuEvent"/>, and mapping changes are recorded and
/// applied between runs (Unicorn's regions must not change under a running translation block).
/// </summary>
public sealed class UnicornCpu : ICpu
{
    /// <summary>Unicorn 2.0.1 slows down with many regions (mapping one costs time linear in their number) and aborts
    /// past about 4 000: the layer stops creating areas well before. Adjacent areas with equal permissions share a
    /// region, so only alternating permissions count against this.</summary>
    private const int MaxUnicornRegions = 1024;

    // uc_err values that end a run.
    private const int ErrOk = 0;
    private const int ErrReadUnmapped = 6;
    private const int ErrWriteUnmapped = 7;
    private const int ErrFetchUnmapped = 8;
    private const int ErrInvalidInstruction = 10;
    private const int ErrWriteProtected = 12;
    private const int ErrReadProtected = 13;
    private const int ErrFetchProtected = 14;

    private static readonly X86Register[] RegisterIds =
    [
        X86Register.Rax, X86Register.Rbx, X86Register.Rcx, X86Register.Rdx, X86Register.Rsi, X86Register.Rdi,
        X86Register.Rbp, X86Register.Rsp, X86Register.R8, X86Register.R9, X86Register.R10, X86Register.R11,
        X86Register.R12, X86Register.R13, X86Register.R14, X86Register.R15, X86Register.Rip, X86Register.Rflags,
        X86Register.FsBase, X86Register.GsBase,
    ];

    private readonly UnicornEngine _engine;
    private readonly UnicornMemoryMirror _mirror;
    private ulong _changedStart = ulong.MaxValue;
    private ulong _changedEnd;
    private int _pendingVector = -1;
    private int _stopRequested;
    private volatile bool _running;

    /// <summary>Opens an engine for <paramref name="space"/> (which needs a guest view). Nothing is mapped until the
    /// first <see cref="MappingsChanged"/>.</summary>
    /// <param name="space">The guest's address space; it must outlive this CPU.</param>
    public UnicornCpu(AddrSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        _engine = new UnicornEngine();
        _engine.SyscallHandler = OnSyscall;
        _engine.InterruptHandler = OnInterrupt;
        _mirror = new UnicornMemoryMirror(space, _engine);
    }

    /// <inheritdoc/>
    public ICpuEventHandler? Handler { get; set; }

    /// <inheritdoc/>
    public int MappedRegionCount => _mirror.RegionCount;

    /// <inheritdoc/>
    public int MaxMappedRegions => MaxUnicornRegions;

    private static ReadOnlySpan<int> SyscallRegisters =>
    [
        (int)X86Register.Rax, (int)X86Register.Rdi, (int)X86Register.Rsi, (int)X86Register.Rdx,
        (int)X86Register.R10, (int)X86Register.R8, (int)X86Register.R9,
    ];

    /// <inheritdoc/>
    public CpuEvent Run()
    {
        ApplyMappingChanges();
        _running = true;
        if (Interlocked.Exchange(ref _stopRequested, 0) != 0)
        {
            _running = false;
            return CpuEvent.Stopped;
        }

        // A stop requested from another thread between the check above and uc_emu_start's start can be lost until
        // the next event (uc_emu_start resets Unicorn's request); callers that need it re-request.
        int err = _engine.Run(_engine.Read(X86Register.Rip));
        _running = false;
        if (_engine.PendingException is { } e)
        {
            _engine.PendingException = null;
            throw new InvalidOperationException("The syscall layer failed.", e);
        }

        ApplyMappingChanges();
        _ = Interlocked.Exchange(ref _stopRequested, 0);
        if (_pendingVector >= 0)
        {
            int vector = _pendingVector;
            _pendingVector = -1;
            return CpuEvent.Exception(vector);
        }

        return err switch
        {
            ErrOk => CpuEvent.Stopped,
            ErrReadUnmapped or ErrReadProtected => CpuEvent.PageFault(_engine.LastFaultAddress, MappingFlags.Read),
            ErrWriteUnmapped or ErrWriteProtected => CpuEvent.PageFault(_engine.LastFaultAddress, MappingFlags.Write),
            ErrFetchUnmapped or ErrFetchProtected => CpuEvent.PageFault(_engine.LastFaultAddress, MappingFlags.Execute),
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
    public void MappingsChanged(ulong start, ulong end)
    {
        _changedStart = Math.Min(_changedStart, start);
        _changedEnd = Math.Max(_changedEnd, end);
        if (_running)
        {
            _engine.Stop(); // applied when uc_emu_start returns
        }
    }

    /// <inheritdoc/>
    /// <remarks>Unmapping a range drops its translations, so this re-mirrors the range; a full flush
    /// (<c>uc_ctl TB_FLUSH</c>) would clear Unicorn's whole 1 GiB code buffer, which costs seconds.</remarks>
    public void FlushCode(ulong start, ulong end) => MappingsChanged(start, end);

    /// <inheritdoc/>
    public void Dispose() => _engine.Dispose();

    private void ApplyMappingChanges()
    {
        if (_changedStart < _changedEnd)
        {
            // uc_mem_unmap invalidates the translations of the range; a full flush (uc_ctl TB_FLUSH) would clear
            // Unicorn's whole 1 GiB code buffer, which costs seconds.
            _mirror.Resync(_changedStart, _changedEnd);
        }

        _changedStart = ulong.MaxValue;
        _changedEnd = 0;
    }

    private void OnSyscall() => Handler!.OnSyscall(this);

    private void OnInterrupt(int vector)
    {
        _pendingVector = vector;
        _engine.Stop();
    }
}
