using System;
using System.Threading;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// The x86-64 CPU emulator (Unicorn 2, <c>libunicorn.so.2</c>) behind a small safe surface.
/// </summary>
/// <remarks>
/// Unsafe code, like the other interop files of this library (<c>Interop/HostLinux.cs</c>, the KVM binding, the
/// page tables and <see cref="BlockStopStub"/>). Invariants:
/// <list type="number">
/// <item>Every host pointer handed to <c>uc_mem_map_ptr</c> points into memory that stays reserved for the life of the
/// engine (the address space's kernel view, the page-table block), and the engine is closed before it is released.</item>
/// <item>A context handle (<c>uc_context</c>) is allocated by this engine, used only with it, and read or patched only
/// within <see cref="ContextSize"/> bytes; it is freed exactly once, when the engine is disposed.</item>
/// <item>Regions are mapped and unmapped only between emulation runs or from inside a hook of this engine's own thread;
/// the engine is driven by one thread at a time; the only call made while another thread runs it is
/// <see cref="RequestStopAtNextBlock"/>, a store to the native flag its block hook reads.</item>
/// <item>Hook callbacks are <c>UnmanagedCallersOnly</c> methods that never let an exception escape (an exception
/// crossing native frames kills the process); they find their engine through a <see cref="GCHandle"/> passed as user
/// data, which lives as long as the engine.</item>
/// </list>
/// </remarks>
public sealed unsafe partial class UnicornEngine : IDisposable
{
    private const string Library = "libunicorn.so.2";
    private const int ArchX86 = 4;
    private const int Mode64 = 8;
    private const int HookInsn = 2;
    private const int HookMemInvalid = 0x3F0;
    private const int InsnSyscall = 699;
    private const int InsnCpuid = 113;
    private const int RegisterCr4 = 54;

    /// <summary>CR4.OSFXSR | CR4.OSXMMEXCPT, which Linux sets at boot: without OSFXSR, Unicorn's <c>fxsave</c> and
    /// <c>fxrstor</c> skip the XMM registers, and glibc's lazy-binding trampoline (which saves and restores the argument
    /// registers with them) hands every first call through the PLT a zeroed XMM0 (e.g. <c>floor(3.7)</c> returns 0).</summary>
    private const ulong Cr4SseEnabled = (1UL << 9) | (1UL << 10);

    private const int InsnIn = 218;
    private const int InsnOut = 500;

    private const int ControlUseExits = 4;
    private const int ControlRemoveCache = 9;
    private const int ControlFlushTranslations = 10;
    private const int HookBlock = 8;
    private const int ControlArgumentShift = 26;
    private const int ControlWriteShift = 30;
    private const int ControlWrite = 1;

    private nint _engine;
    private GCHandle _self;
    private int* _stopFlag;
    private bool _translated; // a run happened: translated blocks may exist that lack a hook added now
    private readonly System.Collections.Generic.List<nint> _contexts = new();

    /// <summary>Called for every <c>syscall</c> instruction, with RIP at the instruction.</summary>
    public Action? SyscallHandler { get; set; }

    /// <summary>Called for an <c>in</c> or <c>out</c> instruction (Unicorn 2.0.1 runs them at any privilege level
    /// instead of checking IOPL); the instruction completes (an <c>in</c> reads 0) unless the handler stops the run.</summary>
    public Action? PortIoHandler { get; set; }

    /// <summary>Called for a CPU exception or interrupt (divide error, int3, ud2...), with its vector.</summary>
    public Action<int>? InterruptHandler { get; set; }

    /// <summary>The address of the last invalid memory access (recorded by the invalid-access hook).</summary>
    public ulong LastFaultAddress { get; private set; }

    /// <summary>The kind of the last invalid memory access, as Unicorn's <c>uc_mem_type</c>.</summary>
    public int LastFaultType { get; private set; }

    /// <summary>Opens an x86-64 engine and installs the syscall and invalid-access hooks.</summary>
    /// <exception cref="InvalidOperationException">Unicorn could not be opened.</exception>
    public UnicornEngine()
    {
        nint engine;
        int err = uc_open(ArchX86, Mode64, &engine);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_open failed: " + ErrorText(err));
        }

        _engine = engine;
        _self = GCHandle.Alloc(this);
        nint hook;
        err = uc_hook_add_insn(_engine, &hook, HookInsn, (nint)(delegate* unmanaged<nint, nint, void>)&OnSyscall, GCHandle.ToIntPtr(_self), 1, 0, InsnSyscall);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_hook_add(syscall) failed: " + ErrorText(err));
        }

        ulong cr4 = 0;
        _ = uc_reg_read(_engine, RegisterCr4, &cr4);
        cr4 |= Cr4SseEnabled;
        err = uc_reg_write(_engine, RegisterCr4, &cr4);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_reg_write(CR4) failed: " + ErrorText(err));
        }

        err = uc_hook_add_insn(_engine, &hook, HookInsn, (nint)(delegate* unmanaged<nint, nint, int>)&OnCpuid, GCHandle.ToIntPtr(_self), 1, 0, InsnCpuid);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_hook_add(cpuid) failed: " + ErrorText(err));
        }

        err = uc_hook_add_insn(_engine, &hook, HookInsn, (nint)(delegate* unmanaged<nint, uint, int, nint, uint>)&OnPortIn, GCHandle.ToIntPtr(_self), 1, 0, InsnIn);
        err = err != 0 ? err : uc_hook_add_insn(_engine, &hook, HookInsn, (nint)(delegate* unmanaged<nint, uint, int, uint, nint, void>)&OnPortOut, GCHandle.ToIntPtr(_self), 1, 0, InsnOut);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_hook_add(in/out) failed: " + ErrorText(err));
        }

        err = uc_hook_add(_engine, &hook, 1 /* UC_HOOK_INTR */, (nint)(delegate* unmanaged<nint, uint, nint, void>)&OnInterrupt, GCHandle.ToIntPtr(_self), 1, 0);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_hook_add(interrupt) failed: " + ErrorText(err));
        }

        err = uc_hook_add(_engine, &hook, HookMemInvalid, (nint)(delegate* unmanaged<nint, int, ulong, int, long, nint, byte>)&OnInvalidMemory, GCHandle.ToIntPtr(_self), 1, 0);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_hook_add(mem invalid) failed: " + ErrorText(err));
        }
    }

    /// <summary>Unicorn's description of an error code.</summary>
    /// <param name="error">A <c>uc_err</c> value.</param>
    /// <returns>The text.</returns>
    public static string ErrorText(int error) => Marshal.PtrToStringUTF8(uc_strerror(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Maps host memory as guest memory.</summary>
    /// <param name="guestAddress">Page-aligned guest address.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <param name="perms">Unicorn permissions (1 read, 2 write, 4 exec).</param>
    /// <param name="host">The host memory backing it.</param>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    public int MapPointer(ulong guestAddress, ulong size, int perms, nint host) => uc_mem_map_ptr(_engine, guestAddress, (nuint)size, (uint)perms, host);

    /// <summary>Maps a guest range as empty I/O memory (<c>uc_mmio_map</c>): reads give 0, writes are dropped, and
    /// nothing backs it on the host. (Unicorn gives an I/O region read and write permission only when it has
    /// handlers, hence the two no-op ones.)</summary>
    /// <param name="guestAddress">Page-aligned guest address.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    internal int MapEmptyIo(ulong guestAddress, ulong size) => uc_mmio_map(
        _engine,
        guestAddress,
        (nuint)size,
        (nint)(delegate* unmanaged<nint, ulong, uint, nint, ulong>)&ReadEmptyIo,
        0,
        (nint)(delegate* unmanaged<nint, ulong, uint, ulong, nint, void>)&WriteEmptyIo,
        0);

    /// <summary>Unmaps a guest range (which must be covered by mapped regions).</summary>
    /// <param name="guestAddress">Page-aligned guest address.</param>
    /// <param name="size">Page-aligned size.</param>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    public int Unmap(ulong guestAddress, ulong size) => uc_mem_unmap(_engine, guestAddress, (nuint)size);

    /// <summary>Reads a 64-bit register.</summary>
    /// <param name="register">A <see cref="X86Register"/>.</param>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Read(X86Register register)
    {
        ulong value = 0;
        _ = uc_reg_read(_engine, (int)register, &value);
        return value;
    }

    /// <summary>Reads several 64-bit registers with one call into Unicorn (one P/Invoke instead of one per register).</summary>
    /// <param name="registers">The <see cref="X86Register"/> ids.</param>
    /// <param name="values">Receives the values; at least as long as <paramref name="registers"/> (at most 16).</param>
    public void ReadBatch(ReadOnlySpan<int> registers, Span<ulong> values)
    {
        int count = registers.Length;
        if (count > 16 || values.Length < count)
        {
            throw new ArgumentException("At most 16 registers, and room for each value.", nameof(values));
        }

        void** pointers = stackalloc void*[count];
        fixed (int* ids = registers)
        fixed (ulong* slots = values)
        {
            for (int i = 0; i < count; i++)
            {
                pointers[i] = slots + i;
            }

            _ = uc_reg_read_batch(_engine, ids, pointers, count);
        }
    }

    /// <summary>Reads a register wider than 64 bits (XMM: 16 bytes) into <paramref name="value"/>.</summary>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">At least as long as the register.</param>
    public void ReadWide(int register, Span<byte> value)
    {
        if (value.Length < WideRegisterSize)
        {
            throw new ArgumentException("Too small for the register.", nameof(value));
        }

        fixed (byte* p = value)
        {
            _ = uc_reg_read(_engine, register, p);
        }
    }

    /// <summary>Writes a register wider than 64 bits (XMM: 16 bytes).</summary>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">At least as long as the register.</param>
    public void WriteWide(int register, ReadOnlySpan<byte> value)
    {
        if (value.Length < WideRegisterSize)
        {
            throw new ArgumentException("Too small for the register.", nameof(value));
        }

        fixed (byte* p = value)
        {
            _ = uc_reg_write(_engine, register, p);
        }
    }

    /// <summary>The size of the widest register <see cref="ReadWide"/> handles (an XMM register).</summary>
    public const int WideRegisterSize = 16;

    /// <summary>Writes a 64-bit register.</summary>
    /// <param name="register">A <see cref="X86Register"/>.</param>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(X86Register register, ulong value) => _ = uc_reg_write(_engine, (int)register, &value);

    /// <summary>Reads guest-physical memory (<c>uc_mem_read</c>).</summary>
    /// <param name="address">The first byte.</param>
    /// <param name="into">Where the bytes go (its length is the count).</param>
    /// <returns>True when Unicorn maps every byte.</returns>
    public bool ReadPhysical(ulong address, Span<byte> into)
    {
        fixed (byte* p = into)
        {
            return uc_mem_read(_engine, address, p, (nuint)into.Length) == 0;
        }
    }

    /// <summary>Runs guest code from <paramref name="begin"/> until an error or <see cref="Stop"/>.</summary>
    /// <param name="begin">The first instruction.</param>
    /// <returns>0 when stopped, else the <c>uc_err</c> that ended the run.</returns>
    public int Run(ulong begin)
    {
        _translated = true;
        return uc_emu_start(_engine, begin, 0, 0, 0);
    }

    /// <summary>Asks the current run to stop (from a hook).</summary>
    public void Stop() => _ = uc_emu_stop(_engine);

    /// <summary>Makes <c>uc_emu_start</c> ignore its <c>until</c> argument and stop only on request, fault or
    /// exception (Unicorn's "exits" mode with no exit address). Without it, every run ends by translating the
    /// <c>until</c> address, which under guest paging raises a stray page fault inside Unicorn.</summary>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    public int UseNoExitAddress() => uc_ctl(_engine, Control(ControlUseExits, 1), 1, 0);

    /// <summary>Drops translated code of guest virtual <c>[start, end)</c> (<c>uc_ctl_remove_cache</c>). Unicorn
    /// translates <paramref name="start"/> as an instruction fetch at the current privilege: call it only for a page
    /// whose current page-table entry allows that fetch, or the translation raises a fault inside Unicorn.</summary>
    /// <param name="start">The first byte.</param>
    /// <param name="end">One past the last byte.</param>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    public int RemoveCachedCode(ulong start, ulong end) => uc_ctl(_engine, Control(ControlRemoveCache, 2), start, end);

    /// <summary>Installs the stop-at-block hook (<see cref="BlockStopStub"/>) and drops every translated block, so that
    /// every block from now on starts with it: a stop asked for with <see cref="RequestStopAtNextBlock"/> then happens
    /// at the next block start, before any instruction of that block runs. Idempotent; cheapest before the first run
    /// (nothing translated yet, nothing to drop).</summary>
    /// <returns>0 or a <c>uc_err</c>.</returns>
    /// <exception cref="InvalidOperationException">The host refused the hook's executable page.</exception>
    public int AddStopAtBlockHook()
    {
        if (_stopFlag != null)
        {
            return 0;
        }

        _stopFlag = (int*)NativeMemory.AlignedAlloc(sizeof(int), sizeof(int));
        *_stopFlag = 0;
        nint hook;
        int err = uc_hook_add(_engine, &hook, HookBlock, BlockStopStub.Address, (nint)_stopFlag, 1, 0);
        return err != 0 || !_translated ? err : uc_ctl(_engine, Control(ControlFlushTranslations, 0), 0, 0);
    }

    /// <summary>Asks the run in progress (from any thread) to stop at its next block start; see
    /// <see cref="AddStopAtBlockHook"/>, which must have run.</summary>
    public void RequestStopAtNextBlock() => Volatile.Write(ref *_stopFlag, 1);

    /// <summary>Withdraws a <see cref="RequestStopAtNextBlock"/> the hook has not yet acted on (between runs, so that
    /// no later run of the engine, a ring-0 helper included, stops on a stale request).</summary>
    public void CancelStopAtNextBlock()
    {
        if (_stopFlag != null)
        {
            Volatile.Write(ref *_stopFlag, 0);
        }
    }

    /// <summary>Writes a model-specific register (Unicorn masks it with the CPU model's features).</summary>
    /// <param name="id">The MSR number.</param>
    /// <param name="value">The value.</param>
    public void WriteMsr(uint id, ulong value)
    {
        MsrValue msr = new() { Id = id, Value = value };
        _ = uc_reg_write(_engine, (int)X86Register.Msr, &msr);
    }

    /// <summary>Writes the GDTR (<c>uc_x86_mmr</c>).</summary>
    /// <param name="baseAddress">The table's (virtual) address.</param>
    /// <param name="limit">Its limit (size - 1).</param>
    public void WriteGdtr(ulong baseAddress, uint limit)
    {
        TableRegister mmr = new() { Base = baseAddress, Limit = limit };
        _ = uc_reg_write(_engine, (int)X86Register.Gdtr, &mmr);
    }

    /// <summary>Writes a 16-bit segment selector register (does not change the privilege level).</summary>
    /// <param name="register">CS, SS...</param>
    /// <param name="selector">The selector.</param>
    public void WriteSelector(X86Register register, ushort selector) => _ = uc_reg_write(_engine, (int)register, &selector);

    /// <summary>The size of one CPU context (<c>uc_context_size</c>).</summary>
    public int ContextSize => (int)uc_context_size(_engine);

    /// <summary>Allocates a CPU context, freed with the engine.</summary>
    /// <returns>The handle.</returns>
    public nint AllocateContext()
    {
        nint context;
        int err = uc_context_alloc(_engine, &context);
        if (err != 0)
        {
            throw new InvalidOperationException("uc_context_alloc failed: " + ErrorText(err));
        }

        _contexts.Add(context);
        return context;
    }

    /// <summary>Saves the CPU state into <paramref name="context"/>.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    public void SaveContext(nint context) => _ = uc_context_save(_engine, context);

    /// <summary>Restores the CPU state from <paramref name="context"/>.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    public void RestoreContext(nint context) => _ = uc_context_restore(_engine, context);

    /// <summary>Frees a context from <see cref="AllocateContext"/> before the engine closes (a thread's context).</summary>
    /// <param name="context">The handle; not used afterwards.</param>
    public void FreeContext(nint context)
    {
        if (_contexts.Remove(context))
        {
            _ = uc_context_free(context);
        }
    }

    /// <summary>Copies one saved context into another (both from <see cref="AllocateContext"/>).</summary>
    /// <param name="from">The source.</param>
    /// <param name="to">The destination.</param>
    public void CopyContext(nint from, nint to) => Buffer.MemoryCopy((void*)from, (void*)to, ContextSize, ContextSize);

    /// <summary>Reads a register (at most <see cref="WideRegisterSize"/> bytes) of a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">Receives the value (at least 8 bytes; 16 for XMM).</param>
    public void ReadContextRegister(nint context, int register, Span<byte> value)
    {
        Span<byte> slot = stackalloc byte[WideRegisterSize];
        slot.Clear();
        fixed (byte* p = slot)
        {
            _ = uc_context_reg_read(context, register, p);
        }

        slot[..Math.Min(value.Length, WideRegisterSize)].CopyTo(value);
    }

    /// <summary>Reads a 64-bit register of a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="register">The register.</param>
    /// <returns>The value.</returns>
    public ulong ReadContext(nint context, X86Register register)
    {
        ulong value = 0;
        _ = uc_context_reg_read(context, (int)register, &value);
        return value;
    }

    /// <summary>Writes a register (at most <see cref="WideRegisterSize"/> bytes) of a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="register">The Unicorn register id.</param>
    /// <param name="value">The value (8 bytes for general registers, 16 for XMM).</param>
    public void WriteContextRegister(nint context, int register, ReadOnlySpan<byte> value)
    {
        Span<byte> slot = stackalloc byte[WideRegisterSize];
        slot.Clear();
        value[..Math.Min(value.Length, WideRegisterSize)].CopyTo(slot);
        fixed (byte* p = slot)
        {
            _ = uc_context_reg_write(context, register, p);
        }
    }

    /// <summary>Writes a 64-bit register of a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="register">The register.</param>
    /// <param name="value">The value.</param>
    public void WriteContext(nint context, X86Register register, ulong value) => _ = uc_context_reg_write(context, (int)register, &value);

    /// <summary>Reads a 32-bit value inside a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="offset">A byte offset, at most <see cref="ContextSize"/> - 4.</param>
    /// <returns>The value.</returns>
    public int ReadContextInt32(nint context, int offset) => *(int*)(context + CheckedContextOffset(offset, sizeof(int)));

    /// <summary>Writes a 32-bit value inside a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="offset">A byte offset, at most <see cref="ContextSize"/> - 4.</param>
    /// <param name="value">The value.</param>
    public void WriteContextInt32(nint context, int offset, int value) => *(int*)(context + CheckedContextOffset(offset, sizeof(int))) = value;

    /// <summary>Reads a 64-bit value inside a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="offset">A byte offset, at most <see cref="ContextSize"/> - 8.</param>
    /// <returns>The value.</returns>
    public ulong ReadContextUInt64(nint context, int offset) => *(ulong*)(context + CheckedContextOffset(offset, sizeof(ulong)));

    /// <summary>Writes a 64-bit value inside a saved context.</summary>
    /// <param name="context">A handle from <see cref="AllocateContext"/>.</param>
    /// <param name="offset">A byte offset, at most <see cref="ContextSize"/> - 8.</param>
    /// <param name="value">The value.</param>
    public void WriteContextUInt64(nint context, int offset, ulong value) => *(ulong*)(context + CheckedContextOffset(offset, sizeof(ulong))) = value;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (nint context in _contexts)
        {
            _ = uc_context_free(context);
        }

        _contexts.Clear();
        if (_engine != 0)
        {
            _ = uc_close(_engine);
            _engine = 0;
        }

        if (_stopFlag != null)
        {
            NativeMemory.AlignedFree(_stopFlag);
            _stopFlag = null;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnSyscall(nint engine, nint userData)
    {
        UnicornEngine self = (UnicornEngine)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            self.SyscallHandler?.Invoke();
        }
#pragma warning disable CA1031 // an exception must not cross into native frames
        catch (Exception e)
#pragma warning restore CA1031
        {
            self.PendingException = e;
            self.Stop();
        }
    }

    /// <summary>Answers the leaves <see cref="UnicornCpuid"/> corrects (returns 1: the instruction is done), else lets
    /// Unicorn run the <c>cpuid</c> (returns 0). Reads and writes registers only: nothing here can throw.</summary>
    [UnmanagedCallersOnly]
    private static int OnCpuid(nint engine, nint userData)
    {
        UnicornEngine self = (UnicornEngine)GCHandle.FromIntPtr(userData).Target!;
        if (!UnicornCpuid.TryAnswer((uint)self.Read(X86Register.Rax), out uint eax, out uint ebx, out uint ecx, out uint edx))
        {
            return 0;
        }

        self.Write(X86Register.Rax, eax);
        self.Write(X86Register.Rbx, ebx);
        self.Write(X86Register.Rcx, ecx);
        self.Write(X86Register.Rdx, edx);
        return 1;
    }

    [UnmanagedCallersOnly]
    private static uint OnPortIn(nint engine, uint port, int size, nint userData)
    {
        OnPortIo(userData);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static void OnPortOut(nint engine, uint port, int size, uint value, nint userData) => OnPortIo(userData);

    private static void OnPortIo(nint userData)
    {
        UnicornEngine self = (UnicornEngine)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            self.PortIoHandler?.Invoke();
        }
#pragma warning disable CA1031 // an exception must not cross into native frames
        catch (Exception e)
#pragma warning restore CA1031
        {
            self.PendingException = e;
            self.Stop();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnInterrupt(nint engine, uint vector, nint userData)
    {
        UnicornEngine self = (UnicornEngine)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            self.InterruptHandler?.Invoke((int)vector);
        }
#pragma warning disable CA1031 // an exception must not cross into native frames
        catch (Exception e)
#pragma warning restore CA1031
        {
            self.PendingException = e;
            self.Stop();
        }
    }

    [UnmanagedCallersOnly]
    private static byte OnInvalidMemory(nint engine, int type, ulong address, int size, long value, nint userData)
    {
        UnicornEngine self = (UnicornEngine)GCHandle.FromIntPtr(userData).Target!;
        self.LastFaultAddress = address;
        self.LastFaultType = type;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static ulong ReadEmptyIo(nint engine, ulong offset, uint size, nint userData) => 0;

    [UnmanagedCallersOnly]
    private static void WriteEmptyIo(nint engine, ulong offset, uint size, ulong value, nint userData)
    {
    }

    private static int Control(int type, int argumentCount) => type | (argumentCount << ControlArgumentShift) | (ControlWrite << ControlWriteShift);

    private nint CheckedContextOffset(int offset, int size)
    {
        if (offset < 0 || offset > ContextSize - size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return offset;
    }

    /// <summary><c>uc_x86_msr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MsrValue
    {
        public uint Id;
        public ulong Value;
    }

    /// <summary><c>uc_x86_mmr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TableRegister
    {
        public ushort Selector;
        public ulong Base;
        public uint Limit;
        public uint Flags;
    }

    /// <summary>An exception a hook caught; the caller of <see cref="Run"/> rethrows it.</summary>
    public Exception? PendingException { get; set; }

    [LibraryImport(Library)]
    private static partial int uc_open(int arch, int mode, nint* engine);

    [LibraryImport(Library)]
    private static partial int uc_close(nint engine);

    [LibraryImport(Library)]
    private static partial nint uc_strerror(int error);

    [LibraryImport(Library)]
    private static partial int uc_mem_map_ptr(nint engine, ulong address, nuint size, uint perms, nint host);

    [LibraryImport(Library)]
    private static partial int uc_mmio_map(nint engine, ulong address, nuint size, nint readCallback, nint readData, nint writeCallback, nint writeData);

    [LibraryImport(Library)]
    private static partial int uc_mem_unmap(nint engine, ulong address, nuint size);

    [LibraryImport(Library)]
    private static partial int uc_mem_read(nint engine, ulong address, void* bytes, nuint size);

    [LibraryImport(Library)]
    private static partial int uc_reg_read(nint engine, int regid, void* value);

    [LibraryImport(Library)]
    private static partial int uc_reg_read_batch(nint engine, int* regids, void** values, int count);

    [LibraryImport(Library)]
    private static partial int uc_reg_write(nint engine, int regid, void* value);

    [LibraryImport(Library)]
    private static partial int uc_emu_start(nint engine, ulong begin, ulong until, ulong timeout, nuint count);

    [LibraryImport(Library)]
    private static partial int uc_emu_stop(nint engine);

    // uc_ctl is variadic; its integer arguments travel in the registers a fixed-argument call uses (as uc_hook_add).
    [LibraryImport(Library)]
    private static partial int uc_ctl(nint engine, int control, ulong argument0, ulong argument1);

    [LibraryImport(Library)]
    private static partial int uc_context_alloc(nint engine, nint* context);

    [LibraryImport(Library)]
    private static partial int uc_context_save(nint engine, nint context);

    [LibraryImport(Library)]
    private static partial int uc_context_restore(nint engine, nint context);

    [LibraryImport(Library)]
    private static partial nuint uc_context_size(nint engine);

    [LibraryImport(Library)]
    private static partial int uc_context_free(nint context);

    [LibraryImport(Library)]
    private static partial int uc_context_reg_read(nint context, int regid, void* value);

    [LibraryImport(Library)]
    private static partial int uc_context_reg_write(nint context, int regid, void* value);

    // uc_hook_add is variadic; on x86-64 System V a call with the extra arguments declared as fixed ones passes them
    // exactly where the variadic callee reads them.
    [LibraryImport(Library, EntryPoint = "uc_hook_add")]
    private static partial int uc_hook_add(nint engine, nint* hook, int type, nint callback, nint userData, ulong begin, ulong end);

    [LibraryImport(Library, EntryPoint = "uc_hook_add")]
    private static partial int uc_hook_add_insn(nint engine, nint* hook, int type, nint callback, nint userData, ulong begin, ulong end, int instruction);
}
