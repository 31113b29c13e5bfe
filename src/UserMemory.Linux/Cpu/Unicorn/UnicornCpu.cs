using System;
using System.Buffers.Binary;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// <see cref="ICpu"/> on Unicorn 2 with real x86-64 paging: one guest thread on a <see cref="UnicornMachine"/> (the
/// engine, page tables and translated code every thread of the process shares). The thread's registers live in its
/// own saved context; it runs when it holds the engine's baton (<see cref="EngineScheduler"/>).
/// </summary>
/// <remarks>See <see cref="UnicornMachine"/> for faults, mapping changes and how threads share the engine.</remarks>
public sealed class UnicornCpu : ICpu
{
    /// <summary>The number of Unicorn regions this backend maps: the user range and the page-table block.</summary>
    private const int RegionsUsed = 2;

    /// <summary>Unicorn 2.0.1 slows down with many regions and aborts past about 4 000.</summary>
    private const int UnicornRegionLimit = 1024;

    // Unicorn 2 register ids (unicorn/x86.h) of the vector state (its fxsave offsets are in FxsaveLayout).
    private const int UcXmm0 = 122;
    private const int UcMxcsr = 249;
    private const int UcFpuControl = 246;
    private const int UcFpuStatus = 31;

    private static readonly X86Register[] RegisterIds =
    [
        X86Register.Rax, X86Register.Rbx, X86Register.Rcx, X86Register.Rdx, X86Register.Rsi, X86Register.Rdi,
        X86Register.Rbp, X86Register.Rsp, X86Register.R8, X86Register.R9, X86Register.R10, X86Register.R11,
        X86Register.R12, X86Register.R13, X86Register.R14, X86Register.R15, X86Register.Rip, X86Register.Rflags,
        X86Register.FsBase, X86Register.GsBase,
    ];

    private readonly UnicornMachine _machine;
    private bool _disposed;

    /// <summary>Opens an engine for <paramref name="space"/>, builds the page tables (nothing of the user range mapped)
    /// and prepares the ring-0 stub: the first thread of a process.</summary>
    /// <param name="space">The guest's address space; it must outlive this CPU.</param>
    /// <exception cref="InvalidOperationException">Unicorn refused the setup, or this Unicorn build does not allow guest
    /// paging (see <see cref="UnicornStateOffsets"/>).</exception>
    public UnicornCpu(AddrSpace space)
    {
        _machine = new UnicornMachine(space ?? throw new ArgumentNullException(nameof(space)));
        _machine.Attach(this, null);
    }

    private UnicornCpu(UnicornMachine machine, UnicornCpu parent)
    {
        _machine = machine;
        _machine.Attach(this, parent);
    }

    /// <inheritdoc/>
    public ICpuEventHandler? Handler { get; set; }

    /// <inheritdoc/>
    /// <remarks>Always two, whatever the guest maps.</remarks>
    public int MappedRegionCount => RegionsUsed;

    /// <inheritdoc/>
    public int MaxMappedRegions => UnicornRegionLimit;

    /// <summary>This thread's saved context (<c>uc_context</c>), current whenever it is not running.</summary>
    internal nint Context { get; set; }

    /// <summary>True while this thread holds the engine inside <see cref="Run"/> (its registers are the engine's).</summary>
    internal bool InRun { get; set; }

    /// <summary>True once the thread entered user mode (the first run goes through the ring-0 <c>iretq</c>).</summary>
    internal bool InUserMode { get; set; }

    /// <summary>Set by <see cref="RequestStop"/>; consumed by the next run.</summary>
    internal int StopRequested;

    /// <summary>What a hook decided the current run reports, or null.</summary>
    internal CpuEvent? PendingEvent { get; set; }

    /// <summary>Where the run that reports <see cref="PendingEvent"/> leaves RIP when that is not where Unicorn left it
    /// (a software interrupt Linux's CPU reports at the instruction), or null.</summary>
    internal ulong? PendingRip { get; set; }

    /// <summary>The page the fault hook last mapped by itself (a repeat at the same RIP is reported instead).</summary>
    internal ulong LastResolvedPage { get; set; } = ulong.MaxValue;

    /// <summary>The RIP of that fault.</summary>
    internal ulong LastResolvedRip { get; set; } = ulong.MaxValue;

    /// <inheritdoc/>
    public CpuEvent Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _machine.Run(this);
    }

    /// <inheritdoc/>
    public void RequestStop()
    {
        if (!_disposed)
        {
            _machine.RequestStop(this);
        }
    }

    /// <inheritdoc/>
    /// <remarks>The new thread shares this CPU's engine, page tables and translated code; it waits for the baton to
    /// run.</remarks>
    public ICpu? CreateThreadCpu() => new UnicornCpu(_machine, this);

    /// <inheritdoc/>
    public ulong Read(CpuRegister register) => _machine.Read(this, RegisterIds[(int)register]);

    /// <inheritdoc/>
    public void Write(CpuRegister register, ulong value) => _machine.Write(this, RegisterIds[(int)register], value);

    /// <inheritdoc/>
    public void ReadSyscallRegisters(Span<ulong> values) => _machine.ReadSyscallRegisters(this, values);

    /// <inheritdoc/>
    public bool SaveVectorState(Span<byte> area)
    {
        if (area.Length < ICpu.FxsaveSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(area[FxsaveLayout.Control..], (ushort)_machine.Read(this, (X86Register)UcFpuControl));
        BinaryPrimitives.WriteUInt16LittleEndian(area[FxsaveLayout.Status..], (ushort)_machine.Read(this, (X86Register)UcFpuStatus));
        BinaryPrimitives.WriteUInt32LittleEndian(area[FxsaveLayout.Mxcsr..], (uint)_machine.Read(this, (X86Register)UcMxcsr));
        BinaryPrimitives.WriteUInt32LittleEndian(area[FxsaveLayout.MxcsrMask..], FxsaveLayout.DefaultMxcsrMask);
        for (int i = 0; i < FxsaveLayout.XmmCount; i++)
        {
            _machine.ReadWide(this, UcXmm0 + i, area[(FxsaveLayout.XmmRegisters + (i * UnicornEngine.WideRegisterSize))..]);
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

        _machine.Write(this, (X86Register)UcFpuControl, BinaryPrimitives.ReadUInt16LittleEndian(area[FxsaveLayout.Control..]));
        _machine.Write(this, (X86Register)UcFpuStatus, BinaryPrimitives.ReadUInt16LittleEndian(area[FxsaveLayout.Status..]));
        _machine.Write(this, (X86Register)UcMxcsr, BinaryPrimitives.ReadUInt32LittleEndian(area[FxsaveLayout.Mxcsr..]) & FxsaveLayout.DefaultMxcsrMask);
        for (int i = 0; i < FxsaveLayout.XmmCount; i++)
        {
            _machine.WriteWide(this, UcXmm0 + i, area[(FxsaveLayout.XmmRegisters + (i * UnicornEngine.WideRegisterSize))..]);
        }
    }

    /// <inheritdoc/>
    public void MappingsChanged(ulong start, ulong end) => _machine.MappingsChanged(this, start, end);

    /// <inheritdoc/>
    public void FlushCode(ulong start, ulong end) => _machine.FlushCode(this, start, end);

    /// <inheritdoc/>
    /// <remarks>Detaches this thread; the last thread's dispose closes the engine.</remarks>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _machine.Detach(this);
    }
}
