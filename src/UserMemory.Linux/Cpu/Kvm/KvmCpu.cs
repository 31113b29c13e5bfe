using System;
using System.Collections.Generic;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// <see cref="ICpu"/> on KVM: one VM for the process's address space and one vCPU per task (thread). Guest code runs
/// natively; each syscall and each page fault is one VM exit. The threads of a process run in parallel, each vCPU on
/// its task's host thread.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> The VM's guest-physical memory is the space's kernel view, and the backend's page tables
/// carry the areas' permissions (read-only, no-execute) for populated pages only, so a lazy page faults
/// (<see cref="CpuEventKind.PageFault"/>) until the kernel populated it with <c>HandlePageFault</c> and called
/// <see cref="MappingsChanged"/>. The guest view is not used.</para>
/// <para><b>Syscalls</b> are handed to <see cref="ICpuEventHandler.OnSyscall"/> inside <see cref="Run"/> (RIP reads as
/// the <c>syscall</c> instruction meanwhile); the run goes on unless the handler requested a stop.</para>
/// </remarks>
public sealed class KvmCpu : ICpu
{
    private const ulong SyscallInstructionLength = 2;
    private const int MemorySlots = 2;
    private readonly KvmVirtualMachine _vm;
    private readonly KvmVcpu _vcpu;
    private bool _inSyscall;
    private int _disposed;

    /// <summary>Creates the VM and its vCPU for <paramref name="space"/>; every register starts at zero.</summary>
    /// <param name="space">The task's address space (outlives this CPU).</param>
    /// <exception cref="InvalidOperationException">KVM is missing or refused (the message says why; see
    /// <see cref="KvmVirtualMachine.IsAvailable"/>).</exception>
    public KvmCpu(AddrSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        _vm = KvmVirtualMachine.Create(space, resolvePageFaults: false);
        try
        {
            _vcpu = _vm.CreateVcpu();
            _vcpu.Registers = default;
        }
        catch
        {
            _vm.Dispose();
            throw;
        }
    }

    private KvmCpu(KvmVirtualMachine vm, KvmVcpu vcpu)
    {
        _vm = vm;
        _vcpu = vcpu;
    }

    /// <inheritdoc/>
    public ICpuEventHandler? Handler { get; set; }

    /// <inheritdoc/>
    public int MappedRegionCount => MemorySlots;

    /// <inheritdoc/>
    /// <remarks>KVM holds two memory slots whatever the guest maps; areas cost page-table entries only.</remarks>
    public int MaxMappedRegions => int.MaxValue;

    /// <summary>EFAULT, as KVM_RUN reports a guest page the host cannot fault in.</summary>
    private const ulong HostMemoryFault = 14;

    /// <summary>The VM (for diagnostics: CPUID, shadow paging).</summary>
    public KvmVirtualMachine VirtualMachine => _vm;

    /// <summary>The vCPU (for diagnostics: exit and syscall counts).</summary>
    public KvmVcpu Vcpu => _vcpu;

    /// <inheritdoc/>
    public CpuEvent Run()
    {
        while (true)
        {
            KvmEvent e = _vcpu.Run();
            switch (e.Kind)
            {
                case KvmEventKind.Syscall:
                    if (Handler is null)
                    {
                        return new CpuEvent(CpuEventKind.Syscall);
                    }

                    CallSyscallHandler();
                    continue; // the next vCPU run answers a stop requested meanwhile at once
                case KvmEventKind.PageFault:
                    return CpuEvent.PageFault(e.Address, e.Access & ~MappingFlags.User);
                case KvmEventKind.Exception:
                    return CpuEvent.Exception(e.Vector, e.ErrorCode);
                case KvmEventKind.Stopped:
                    return CpuEvent.Stopped;
                case KvmEventKind.Fatal when e.Vector == 0 && e.ErrorCode == HostMemoryFault && TryDropPagesPastEndOfFile():
                    continue; // the access now faults in the guest's page tables: SIGBUS past the file's end
                default:
                    throw new InvalidOperationException(
                        $"The KVM vCPU cannot continue (exit reason or vector {e.Vector}, detail {e.ErrorCode:x}, address {e.Address:x}).");
            }
        }
    }

    /// <summary>
    /// After KVM_RUN failed with EFAULT: the host could not fault in a page of guest memory, which happens when another
    /// process shrank a file the guest maps shared (a page the host views still map lies past the file's end). Moves
    /// every such page out of the views and the guest's page tables; true when there was one (run again), false when
    /// the failure has another cause.
    /// </summary>
    private bool TryDropPagesPastEndOfFile()
    {
        IReadOnlyList<VirtAddrRange> dropped = _vm.Space.DropPagesPastEndOfFile();
        foreach (VirtAddrRange range in dropped)
        {
            _vm.RefreshRange(range.Start.Value, range.End.Value);
        }

        return dropped.Count > 0;
    }

    /// <inheritdoc/>
    public void RequestStop()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _vcpu.RequestStop();
        }
    }

    /// <inheritdoc/>
    /// <remarks>The new thread gets a vCPU of this CPU's VM (the same page tables and memory) with this vCPU's
    /// registers, FS/GS base and x87/SSE state; it runs on its own host thread in parallel with this one. Null when
    /// the VM already runs <see cref="SystemRegionLayout.MaxVcpus"/> threads.</remarks>
    public ICpu? CreateThreadCpu()
    {
        KvmVcpu? vcpu = _vm.TryCreateVcpu();
        if (vcpu is null)
        {
            return null;
        }

        _vm.AddOwner();
        var child = new KvmCpu(_vm, vcpu);
        vcpu.Registers = _vcpu.Registers; // RIP is already past the syscall (the host copy holds RCX)
        vcpu.FsBase = _vcpu.FsBase;
        vcpu.GsBase = _vcpu.GsBase;
        Span<byte> vector = stackalloc byte[ICpu.FxsaveSize];
        if (_vcpu.SaveVectorState(vector))
        {
            vcpu.RestoreVectorState(vector);
        }

        return child;
    }

    /// <inheritdoc/>
    public ulong Read(CpuRegister register)
    {
        ref KvmUserRegisters r = ref _vcpu.Registers;
        return register switch
        {
            CpuRegister.Rax => r.Rax,
            CpuRegister.Rbx => r.Rbx,
            CpuRegister.Rcx => r.Rcx,
            CpuRegister.Rdx => r.Rdx,
            CpuRegister.Rsi => r.Rsi,
            CpuRegister.Rdi => r.Rdi,
            CpuRegister.Rbp => r.Rbp,
            CpuRegister.Rsp => r.Rsp,
            CpuRegister.R8 => r.R8,
            CpuRegister.R9 => r.R9,
            CpuRegister.R10 => r.R10,
            CpuRegister.R11 => r.R11,
            CpuRegister.R12 => r.R12,
            CpuRegister.R13 => r.R13,
            CpuRegister.R14 => r.R14,
            CpuRegister.R15 => r.R15,
            CpuRegister.Rip => _inSyscall ? r.Rip - SyscallInstructionLength : r.Rip,
            CpuRegister.Rflags => r.Rflags,
            CpuRegister.FsBase => _vcpu.FsBase,
            CpuRegister.GsBase => _vcpu.GsBase,
            _ => throw new ArgumentOutOfRangeException(nameof(register)),
        };
    }

    /// <inheritdoc/>
    public void Write(CpuRegister register, ulong value)
    {
        ref KvmUserRegisters r = ref _vcpu.Registers;
        switch (register)
        {
            case CpuRegister.Rax: r.Rax = value; break;
            case CpuRegister.Rbx: r.Rbx = value; break;
            case CpuRegister.Rcx: r.Rcx = value; break;
            case CpuRegister.Rdx: r.Rdx = value; break;
            case CpuRegister.Rsi: r.Rsi = value; break;
            case CpuRegister.Rdi: r.Rdi = value; break;
            case CpuRegister.Rbp: r.Rbp = value; break;
            case CpuRegister.Rsp: r.Rsp = value; break;
            case CpuRegister.R8: r.R8 = value; break;
            case CpuRegister.R9: r.R9 = value; break;
            case CpuRegister.R10: r.R10 = value; break;
            case CpuRegister.R11: r.R11 = value; break;
            case CpuRegister.R12: r.R12 = value; break;
            case CpuRegister.R13: r.R13 = value; break;
            case CpuRegister.R14: r.R14 = value; break;
            case CpuRegister.R15: r.R15 = value; break;
            case CpuRegister.Rip:
                if (_inSyscall)
                {
                    throw new InvalidOperationException("RIP cannot be written inside OnSyscall; request a stop first.");
                }

                r.Rip = value;
                break;
            case CpuRegister.Rflags: r.Rflags = value; break;
            case CpuRegister.FsBase: _vcpu.FsBase = value; break;
            case CpuRegister.GsBase: _vcpu.GsBase = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(register));
        }
    }

    /// <inheritdoc/>
    public void ReadSyscallRegisters(Span<ulong> values)
    {
        ref KvmUserRegisters r = ref _vcpu.Registers;
        values[0] = r.Rax;
        values[1] = r.Rdi;
        values[2] = r.Rsi;
        values[3] = r.Rdx;
        values[4] = r.R10;
        values[5] = r.R8;
        values[6] = r.R9;
    }

    /// <inheritdoc/>
    public bool SaveVectorState(Span<byte> area) => _vcpu.SaveVectorState(area);

    /// <inheritdoc/>
    public void RestoreVectorState(ReadOnlySpan<byte> area) => _vcpu.RestoreVectorState(area);

    /// <inheritdoc/>
    public void MappingsChanged(ulong start, ulong end) => _vm.RefreshRange(start, end);

    /// <inheritdoc/>
    /// <remarks>Nothing to do: the guest runs natively and x86 keeps instruction fetches coherent with stores.</remarks>
    public void FlushCode(ulong start, ulong end)
    {
    }

    /// <inheritdoc/>
    /// <remarks>The vCPU goes back to the VM's pool; the last CPU of the process closes the VM.</remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _vm.ReleaseVcpu(_vcpu);
        if (_vm.RemoveOwner())
        {
            _vm.Dispose();
        }
    }

    private void CallSyscallHandler()
    {
        _inSyscall = true;
        try
        {
            Handler!.OnSyscall(this);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException("The syscall handler failed.", e);
        }
        finally
        {
            _inSyscall = false;
        }
    }
}
