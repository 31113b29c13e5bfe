using System;
using System.Buffers.Binary;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// The guest's whole ring-0 code: a hand-assembled byte table, generated here with its listing. It does nothing but
/// stop at the host (an <c>out</c> to a port, one VM exit) and return to user mode.
/// </summary>
/// <remarks>
/// <para>Listing. The syscall page (user-executable, see below):</para>
/// <code>
/// SyscallEntry:                 ; LSTAR. CPU: RCX = user RIP, R11 = user RFLAGS, CS/SS = kernel, RSP untouched
///   E6 10                       ; out 0x10, al            -> host: a syscall (reads/writes GPRs through kvm_run)
/// SysretPath:
///   48 0F 07                    ; sysretq                 RIP = RCX, RFLAGS = R11, CS/SS = user
/// </code>
/// <para>The exception pages (supervisor only):</para>
/// <code>
/// ExceptionCommon:              ; frame: [rsp] vector, [rsp+8] CR2 (#PF) or 0, [rsp+16] error code or 0,
///   E6 11                       ; out 0x11, al            [rsp+24..] RIP CS RFLAGS RSP SS pushed by the CPU
/// IretPath:
///   48 83 C4 18                 ; add rsp, 24
///   48 CF                       ; iretq
/// FlushIretPath:              ; the host points RIP here when pages must leave the TLB first
///   50 51 52                    ; push rax; push rcx; push rdx
///   48 8D 84 24 disp32          ; lea rax, [rsp + list + 8]  the vCPU's own list, a fixed distance below its
///   48 8B 8C 24 disp32          ; mov rcx, [rsp + list]      ring-0 stack top (SystemRegionLayout): the count
///   48 83 F9 FF                 ; cmp rcx, -1             (-1: everything)
///   74 14                       ; je Everything
/// Next:
///   48 85 C9                    ; test rcx, rcx
///   74 15                       ; jz Done
///   48 8B 10                    ; mov rdx, [rax]
///   0F 01 3A                    ; invlpg [rdx]            (hardware paging; a shadow-paging KVM ignores it)
///   48 83 C0 08                 ; add rax, 8
///   48 FF C9                    ; dec rcx
///   EB EC                       ; jmp Next
/// Everything:
///   0F 20 D8                    ; mov rax, cr3
///   0F 22 D8                    ; mov cr3, rax            flushes every non-global TLB entry
/// Done:
///   5A 59 58                    ; pop rdx; pop rcx; pop rax
///   48 83 C4 18                 ; add rsp, 24
///   48 CF                       ; iretq
/// Vector n without an error code:
///   6A 00                       ; push 0                  (error code)
///   6A 00                       ; push 0                  (CR2)
///   68 n32                      ; push n
///   E9 rel32                    ; jmp ExceptionCommon
/// Vector n with an error code (8, 10-14 except 14, 17, 21, 29, 30):
///   6A 00                       ; push 0                  (CR2)
///   68 n32                      ; push n
///   E9 rel32                    ; jmp ExceptionCommon
/// Vector 14 (#PF):
///   50                          ; push rax
///   0F 20 D0                    ; mov rax, cr2
///   48 87 04 24                 ; xchg [rsp], rax         [rsp] = CR2, RAX restored
///   68 0E 00 00 00              ; push 14
///   E9 rel32                    ; jmp ExceptionCommon
/// </code>
/// <para>No instruction of the stub touches a general register the user can see (an <c>out imm8, al</c> only reads
/// AL), so the host sees the user's registers as they were, and the syscall path touches no memory at all. A TLB
/// flush always returns through the <c>iretq</c> frame (the host builds one), since it needs a stack.</para>
/// <para><b>Syscalls under PVM.</b> Some hosts' KVM is PVM (a shadow-paging KVM for nested clouds, module
/// <c>kvm_pvm</c>), which runs <c>syscall</c> by jumping to LSTAR while staying in user mode. The syscall page is
/// therefore user-executable, and the TSS I/O bitmap allows user mode the syscall port, so the <c>out</c> exits
/// directly from user mode (one exit, no ring-0 instruction; the task resumes in user mode). Where a host ignored the
/// bitmap, the <c>out</c> would raise #GP in user mode, and a #GP whose RIP is <see cref="SyscallEntry"/> is taken
/// as a syscall too (RCX and R11 are set as usual). On hardware virtualization the same page runs in ring 0 and exits
/// at the <c>out</c>.</para>
/// <para><b>Costs under PVM</b> (<c>bench/kvm-exit</c>, BENCHMARKS.md "KVM exits under PVM"): the guest's ring-0
/// instructions are emulated, about 0.6 µs each, and a round trip that ran user code costs about 24 µs however it
/// exits; so the syscall path runs no ring-0 instruction at all, and every instruction of the exception path
/// counts.</para>
/// </remarks>
internal sealed class KernelStub
{
    /// <summary>The port the syscall entry writes to.</summary>
    public const ushort SyscallPort = 0x10;

    /// <summary>The port the exception path writes to.</summary>
    public const ushort ExceptionPort = 0x11;

    /// <summary>The most page addresses the invalidation list holds (one page: a count and 511 addresses).</summary>
    public const int MaxInvalidations = 511;

    /// <summary>The invalidation count that means "flush everything" (a CR3 reload).</summary>
    public const ulong InvalidateEverything = ulong.MaxValue;

    /// <summary>Number of interrupt vectors.</summary>
    public const int VectorCount = 256;

    /// <summary>Bytes the exception path pushes below the CPU's frame (vector, CR2, error code).</summary>
    public const int FrameHeaderBytes = 24;

    /// <summary>Bytes of the whole exception frame (header plus RIP, CS, RFLAGS, RSP, SS).</summary>
    public const int FrameBytes = FrameHeaderBytes + (5 * sizeof(ulong));

    private const byte OutImm8Al = 0xE6;
    private const byte PushImm8 = 0x6A;
    private const byte PushImm32 = 0x68;
    private const byte JmpRel32 = 0xE9;
    private const byte PushRax = 0x50;
    private const byte PopRax = 0x58;
    private const byte RexW = 0x48;
    private const int PageFaultVector = 14;
    private const byte PushRcx = 0x51;
    private const byte PushRdx = 0x52;
    private const byte PopRcx = 0x59;
    private const byte PopRdx = 0x5A;
    private const int SavedByFlush = 3 * sizeof(ulong); // RAX, RCX, RDX
    private static readonly byte[] Sysretq = [RexW, 0x0F, 0x07];
    private static readonly byte[] LeaRaxRspRelative = [RexW, 0x8D, 0x84, 0x24];
    private static readonly byte[] MovRcxRspRelative = [RexW, 0x8B, 0x8C, 0x24];
    private static readonly byte[] InvalidationLoop =
    [
        RexW, 0x83, 0xF9, 0xFF, // cmp rcx, -1
        0x74, 0x14,             // je +20 (Everything)
        RexW, 0x85, 0xC9,       // test rcx, rcx
        0x74, 0x15,             // jz +21 (Done)
        RexW, 0x8B, 0x10,       // mov rdx, [rax]
        0x0F, 0x01, 0x3A,       // invlpg [rdx]
        RexW, 0x83, 0xC0, 0x08, // add rax, 8
        RexW, 0xFF, 0xC9,       // dec rcx
        0xEB, 0xEC,             // jmp -20 (Next)
    ];
    private static readonly byte[] Iretq = [RexW, 0xCF];
    private static readonly byte[] AddRsp24 = [RexW, 0x83, 0xC4, FrameHeaderBytes];
    private static readonly byte[] MovRaxCr3 = [0x0F, 0x20, 0xD8];
    private static readonly byte[] MovCr3Rax = [0x0F, 0x22, 0xD8];
    private static readonly byte[] MovRaxCr2 = [0x0F, 0x20, 0xD0];
    private static readonly byte[] XchgStackTopRax = [RexW, 0x87, 0x04, 0x24];

    private readonly byte[] _syscallCode = new byte[(int)SystemRegionLayout.PageSize];
    private readonly byte[] _exceptionCode = new byte[(int)((SystemRegionLayout.StubPages - 1) * SystemRegionLayout.PageSize)];
    private readonly ulong[] _vectorEntries = new ulong[VectorCount];
    private byte[] _code;
    private ulong _codeBase;
    private int _length;

    /// <summary>Assembles the stub.</summary>
    /// <param name="syscallPageAddress">Where the syscall page lives.</param>
    /// <param name="exceptionCodeAddress">Where the exception code lives (right after the syscall page).</param>
    /// <param name="invalidationListBelowStackTop">How far below a vCPU's ring-0 stack top its invalidation list lies
    /// (a count, then that many page addresses, <see cref="MaxInvalidations"/> at most, read by the flush path). The
    /// flush path runs with RSP at the exception frame below that top, so it finds the list relative to RSP and the
    /// same code serves every vCPU.</param>
    public KernelStub(ulong syscallPageAddress, ulong exceptionCodeAddress, long invalidationListBelowStackTop)
    {
        CodeAddress = syscallPageAddress;
        _code = _syscallCode;
        _codeBase = syscallPageAddress;
        SyscallEntry = Here;
        Emit(OutImm8Al, (byte)SyscallPort);
        SysretPath = Here;
        Emit(Sysretq);
        SyscallCodeLength = _length;
        _code = _exceptionCode;
        _codeBase = exceptionCodeAddress;
        _length = 0;
        ulong common = Here;
        Emit(OutImm8Al, (byte)ExceptionPort);
        IretPath = Here;
        Emit(AddRsp24);
        Emit(Iretq);
        FlushIretPath = Here;
        Emit(PushRax, PushRcx, PushRdx);
        int listFromRsp = checked((int)(FrameBytes + SavedByFlush - invalidationListBelowStackTop));
        Emit(LeaRaxRspRelative);
        EmitUInt32((uint)(listFromRsp + sizeof(ulong)));
        Emit(MovRcxRspRelative);
        EmitUInt32((uint)listFromRsp);
        Emit(InvalidationLoop);
        Emit(MovRaxCr3);
        Emit(MovCr3Rax);
        Emit(PopRdx, PopRcx, PopRax); // Done
        Emit(AddRsp24);
        Emit(Iretq);
        FlushPathEnd = Here;
        for (int vector = 0; vector < VectorCount; vector++)
        {
            _vectorEntries[vector] = Here;
            if (vector == PageFaultVector)
            {
                Emit(PushRax);
                Emit(MovRaxCr2);
                Emit(XchgStackTopRax);
            }
            else
            {
                if (!X86Exception.PushesErrorCode(vector))
                {
                    Emit(PushImm8, 0);
                }

                Emit(PushImm8, 0);
            }

            Emit(PushImm32);
            EmitUInt32((uint)vector);
            Emit(JmpRel32);
            EmitRelative(common);
        }

        StubEnd = Here;
        ExceptionCodeLength = _length;
    }

    /// <summary>Guest address of the first stub byte.</summary>
    public ulong CodeAddress { get; }

    /// <summary>The <c>syscall</c> entry (LSTAR).</summary>
    public ulong SyscallEntry { get; }

    /// <summary>Where a vCPU stopped at the syscall port continues with <c>sysretq</c>.</summary>
    public ulong SysretPath { get; }

    /// <summary>Where a vCPU whose RSP points at an exception frame continues with <c>iretq</c>.</summary>
    public ulong IretPath { get; }

    /// <summary>A variant of <see cref="IretPath"/> that first invalidates the listed pages (or, when the count is
    /// <see cref="InvalidateEverything"/>, reloads CR3).</summary>
    public ulong FlushIretPath { get; }

    /// <summary>The first address after the flush path (the return paths are <c>[IretPath, FlushPathEnd)</c>: a vCPU
    /// stopped anywhere in them still has the task's state in its host copy and in its frame, so the host may
    /// simply redo the entry).</summary>
    public ulong FlushPathEnd { get; }

    /// <summary>The first address after the stub's code.</summary>
    public ulong StubEnd { get; }

    /// <summary>The syscall page's machine code.</summary>
    public ReadOnlySpan<byte> SyscallCode => _syscallCode.AsSpan(0, SyscallCodeLength);

    /// <summary>The exception pages' machine code.</summary>
    public ReadOnlySpan<byte> ExceptionCode => _exceptionCode.AsSpan(0, ExceptionCodeLength);

    private int SyscallCodeLength { get; }

    private int ExceptionCodeLength { get; }

    /// <summary>Guest address of the handler for <paramref name="vector"/>.</summary>
    /// <param name="vector">The vector, 0-255.</param>
    /// <returns>The address.</returns>
    public ulong VectorEntry(int vector) => _vectorEntries[vector];

    /// <summary>True when <paramref name="rip"/> lies in the stub (the vCPU is in ring 0).</summary>
    /// <param name="rip">An instruction pointer.</param>
    /// <returns>Whether it is stub code.</returns>
    public bool Contains(ulong rip) => rip >= CodeAddress && rip < StubEnd;

    private ulong Here => _codeBase + (ulong)_length;

    private void Emit(params ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_code.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>A rel32 displacement to <paramref name="target"/>, relative to the end of this field.</summary>
    private void EmitRelative(ulong target) => EmitUInt32((uint)(int)(long)(target - (Here + sizeof(uint))));

    private void EmitUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_code.AsSpan(_length), value);
        _length += sizeof(uint);
    }
}
