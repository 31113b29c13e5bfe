using System;
using System.Collections.Generic;

namespace UserMemory.Linux.Loader.Vdso;

/// <summary>
/// The vDSO's machine code: a hand-assembled byte table, generated here with its listing (the kernel stub's way:
/// <c>Cpu/Kvm/KernelStub</c>). Every function follows the C calling convention, uses no stack and touches only
/// RAX, RCX, RDX, R8, R9 (and RCX/R11 through <c>syscall</c>), so Go may call it on a small stack.
/// </summary>
/// <remarks>
/// <para>Listing of the clock read shared by <c>clock_gettime</c> and <c>gettimeofday</c> (R8 = clock id, out RAX =
/// nanoseconds; <c>vvar+X</c> is RIP-relative, the clock page being the page below the image):</para>
/// <code>
/// Retry:
///   44 8B 0D d32      mov r9d, [vvar+Sequence]
///   41 F6 C1 01       test r9b, 1                  ; odd: the runner is writing
///   75 rel8           jnz Pause
///   83 3D d32 00      cmp dword [vvar+Valid], 0
///   0F 84 rel32       je Invalid                   ; not calibrated (yet): the system call
///   0F AE E8          lfence                       ; the counter is read after the sequence
///   0F 31             rdtsc
///   48 C1 E2 20       shl rdx, 32
///   48 09 D0          or rax, rdx
///   48 2B 05 d32      sub rax, [vvar+TscBase]
///   73 02             jae Scale
///   31 C0             xor eax, eax                 ; a counter below the anchor counts as the anchor
/// Scale:
///   48 F7 25 d32      mul qword [vvar+Multiplier]  ; RDX:RAX = ticks * ns per tick (32.32)
///   48 0F AC D0 20    shrd rax, rdx, 32
///   48 03 05 d32      add rax, [vvar+MonotonicBase]
///   48 8D 0D d32      lea rcx, [vvar+Offsets]
///   4A 03 04 C1       add rax, [rcx + r8*8]
///   44 3B 0D d32      cmp r9d, [vvar+Sequence]
///   75 rel8           jne Retry                    ; written meanwhile: read again
///   EB rel8           jmp Done
/// Pause:
///   F3 90             pause
///   EB rel8           jmp Retry
/// Done:
/// </code>
/// <para><c>clock_gettime(EDI = id, RSI = ts)</c>: the ids of <see cref="VvarLayout.FastClocks"/> take the read above,
/// then a <c>div</c> by 10^9 into <c>ts</c>. What the vDSO does not compute itself is the system call, but where
/// Linux's vDSO would store in user mode (its other user-mode clocks, <c>gettimeofday</c>'s <c>tv</c> and <c>tz</c>,
/// <c>time</c>'s result, <c>getcpu</c>'s two, <c>clock_getres</c>'s) the result is stored as zeros first, so a bad
/// pointer faults (SIGSEGV) as in Linux's vDSO instead of answering EFAULT; the system call then stores the real
/// values. That covers a fast clock while the page is not valid too. <c>gettimeofday(RDI = tv, RSI = tz)</c>: with
/// no <c>tz</c> and a <c>tv</c>, CLOCK_REALTIME in microseconds; a null <c>tv</c> and <c>tz</c> return 0.</para>
/// </remarks>
internal static class VdsoCode
{
    /// <summary>The exported functions, each with its system call number (the fallback).</summary>
    internal enum Function
    {
        /// <summary><c>clock_gettime</c>.</summary>
        ClockGettime,

        /// <summary><c>gettimeofday</c>.</summary>
        Gettimeofday,

        /// <summary><c>time</c>.</summary>
        Time,

        /// <summary><c>getcpu</c>.</summary>
        Getcpu,

        /// <summary><c>clock_getres</c>.</summary>
        ClockGetres,
    }

    private const int FunctionAlignment = 16;
    private const byte Int3 = 0xCC;
    private const int NanosecondsPerSecond = 1_000_000_000;
    private const int NanosecondsPerMicrosecond = 1_000;
    /// <summary>The clocks Linux's vDSO answers in user mode on a TSC host (REALTIME, MONOTONIC, MONOTONIC_RAW,
    /// REALTIME_COARSE, MONOTONIC_COARSE, BOOTTIME, TAI), so that a bad pointer for them faults there instead of
    /// answering EFAULT; the highest of their ids.</summary>
    private const int UserModeClocks = 0b1000_1111_0011;
    private const byte HighestUserModeClock = 11;

    /// <summary>Assembles the code for an image whose text starts <paramref name="textOffset"/> bytes into the image
    /// (the clock page lies <paramref name="vvarDistance"/> bytes below the image's start).</summary>
    /// <param name="textOffset">Where the code goes in the image.</param>
    /// <param name="vvarDistance">The clock page's distance below the image.</param>
    /// <returns>The bytes and each function's offset in the image and length.</returns>
    internal static (byte[] Code, Dictionary<Function, (int Offset, int Length)> Functions) Assemble(int textOffset, int vvarDistance)
    {
        var a = new Assembler(textOffset, -vvarDistance);
        var functions = new Dictionary<Function, (int, int)>();

        int start = a.Align(FunctionAlignment, Int3);
        a.Bytes(0x83, 0xFF, HighestUserModeClock);        // cmp edi, 11
        a.Jump32(0x87, "cg.syscall");                      // ja (also every negative id: CPU-time clocks)
        a.Bytes(0xB8).Int32(UserModeClocks);              // mov eax, UserModeClocks
        a.Bytes(0x0F, 0xA3, 0xF8);                         // bt eax, edi
        a.Jump32(0x83, "cg.syscall");                      // jnc
        a.Bytes(0xB8).Int32(VvarLayout.FastClocks);       // mov eax, FastClocks
        a.Bytes(0x0F, 0xA3, 0xF8);                         // bt eax, edi
        a.Jump32(0x83, "cg.touch");                        // jnc
        a.Bytes(0x41, 0x89, 0xF8);                         // mov r8d, edi
        ReadClock(a, "cg", "cg.touch");
        SplitNanoseconds(a);
        a.Bytes(0x48, 0x89, 0x06);                         // mov [rsi], rax
        a.Bytes(0x48, 0x89, 0x56, 0x08);                   // mov [rsi+8], rdx
        a.Bytes(0x31, 0xC0, 0xC3);                         // xor eax, eax; ret
        a.Label("cg.touch");
        a.Bytes(0x31, 0xC0);                               // xor eax, eax
        a.Bytes(0x48, 0x89, 0x06);                         // mov [rsi], rax
        a.Bytes(0x48, 0x89, 0x46, 0x08);                   // mov [rsi+8], rax
        a.Label("cg.syscall");
        SystemCall(a, Abi.SyscallNumber.ClockGettime);
        functions[Function.ClockGettime] = (start, a.Position - start);

        start = a.Align(FunctionAlignment, Int3);
        a.Bytes(0x48, 0x85, 0xF6);                         // test rsi, rsi
        a.Jump32(0x85, "tod.touch");                       // jnz (a time zone: the system call)
        a.Bytes(0x48, 0x85, 0xFF);                         // test rdi, rdi
        a.Jump8(0x74, "tod.zero");                         // jz
        a.Bytes(0x45, 0x31, 0xC0);                         // xor r8d, r8d (CLOCK_REALTIME)
        ReadClock(a, "tod", "tod.touch");
        SplitNanoseconds(a);
        a.Bytes(0x48, 0x89, 0x07);                         // mov [rdi], rax
        a.Bytes(0x48, 0x89, 0xD0);                         // mov rax, rdx
        a.Bytes(0x31, 0xD2);                               // xor edx, edx
        a.Bytes(0xB9).Int32(NanosecondsPerMicrosecond);   // mov ecx, 1000
        a.Bytes(0x48, 0xF7, 0xF1);                         // div rcx
        a.Bytes(0x48, 0x89, 0x47, 0x08);                   // mov [rdi+8], rax
        a.Label("tod.zero");
        a.Bytes(0x31, 0xC0, 0xC3);                         // xor eax, eax; ret
        a.Label("tod.touch");
        a.Bytes(0x31, 0xC0);                               // xor eax, eax
        a.Bytes(0x48, 0x85, 0xFF);                         // test rdi, rdi
        a.Jump8(0x74, "tod.zone");                         // jz
        a.Bytes(0x48, 0x89, 0x07);                         // mov [rdi], rax
        a.Bytes(0x48, 0x89, 0x47, 0x08);                   // mov [rdi+8], rax
        a.Label("tod.zone");
        a.Bytes(0x48, 0x85, 0xF6);                         // test rsi, rsi
        a.Jump8(0x74, "tod.syscall");                      // jz
        a.Bytes(0x48, 0x89, 0x06);                         // mov [rsi], rax (struct timezone: two ints)
        a.Label("tod.syscall");
        SystemCall(a, Abi.SyscallNumber.Gettimeofday);
        functions[Function.Gettimeofday] = (start, a.Position - start);

        start = a.Align(FunctionAlignment, Int3);
        a.Bytes(0x48, 0x85, 0xFF);                         // test rdi, rdi
        a.Jump8(0x74, "time.syscall");                     // jz
        a.Bytes(0x48, 0xC7, 0x07).Int32(0);               // mov qword [rdi], 0
        a.Label("time.syscall");
        SystemCall(a, Abi.SyscallNumber.Time);
        functions[Function.Time] = (start, a.Position - start);

        start = a.Align(FunctionAlignment, Int3);
        a.Bytes(0x31, 0xC0);                               // xor eax, eax
        a.Bytes(0x48, 0x85, 0xFF);                         // test rdi, rdi
        a.Jump8(0x74, "cpu.node");                         // jz
        a.Bytes(0x89, 0x07);                               // mov [rdi], eax
        a.Label("cpu.node");
        a.Bytes(0x48, 0x85, 0xF6);                         // test rsi, rsi
        a.Jump8(0x74, "cpu.syscall");                      // jz
        a.Bytes(0x89, 0x06);                               // mov [rsi], eax
        a.Label("cpu.syscall");
        SystemCall(a, Abi.SyscallNumber.Getcpu);
        functions[Function.Getcpu] = (start, a.Position - start);

        start = a.Align(FunctionAlignment, Int3);
        a.Bytes(0x83, 0xFF, HighestUserModeClock);        // cmp edi, 11
        a.Jump8(0x77, "res.syscall");                      // ja
        a.Bytes(0xB8).Int32(UserModeClocks);              // mov eax, UserModeClocks
        a.Bytes(0x0F, 0xA3, 0xF8);                         // bt eax, edi
        a.Jump8(0x73, "res.syscall");                      // jnc
        a.Bytes(0x48, 0x85, 0xF6);                         // test rsi, rsi
        a.Jump8(0x74, "res.syscall");                      // jz
        a.Bytes(0x31, 0xC0);                               // xor eax, eax
        a.Bytes(0x48, 0x89, 0x06);                         // mov [rsi], rax
        a.Bytes(0x48, 0x89, 0x46, 0x08);                   // mov [rsi+8], rax
        a.Label("res.syscall");
        SystemCall(a, Abi.SyscallNumber.ClockGetres);
        functions[Function.ClockGetres] = (start, a.Position - start);

        return (a.Finish(), functions);
    }

    /// <summary>The clock read of the listing: R8 = clock id in, RAX = nanoseconds out.</summary>
    private static void ReadClock(Assembler a, string prefix, string invalid)
    {
        string retry = prefix + ".retry", pause = prefix + ".pause", done = prefix + ".done";
        a.Label(retry);
        a.Bytes(0x44, 0x8B, 0x0D).Vvar(VvarLayout.Sequence);           // mov r9d, [Sequence]
        a.Bytes(0x41, 0xF6, 0xC1, 0x01);                                // test r9b, 1
        a.Jump8(0x75, pause);                                           // jnz Pause
        a.Bytes(0x83, 0x3D).Vvar(VvarLayout.Valid, trailingBytes: 1).Bytes(0x00); // cmp dword [Valid], 0
        a.Jump32(0x84, invalid);                                        // je Invalid
        a.Bytes(0x0F, 0xAE, 0xE8);                                      // lfence
        a.Bytes(0x0F, 0x31);                                            // rdtsc
        a.Bytes(0x48, 0xC1, 0xE2, 0x20);                                // shl rdx, 32
        a.Bytes(0x48, 0x09, 0xD0);                                      // or rax, rdx
        a.Bytes(0x48, 0x2B, 0x05).Vvar(VvarLayout.TscBase);             // sub rax, [TscBase]
        a.Bytes(0x73, 0x02);                                            // jae Scale
        a.Bytes(0x31, 0xC0);                                            // xor eax, eax
        a.Bytes(0x48, 0xF7, 0x25).Vvar(VvarLayout.Multiplier);          // mul qword [Multiplier]
        a.Bytes(0x48, 0x0F, 0xAC, 0xD0, VvarLayout.MultiplierShift);    // shrd rax, rdx, 32
        a.Bytes(0x48, 0x03, 0x05).Vvar(VvarLayout.MonotonicBase);       // add rax, [MonotonicBase]
        a.Bytes(0x48, 0x8D, 0x0D).Vvar(VvarLayout.Offsets);             // lea rcx, [Offsets]
        a.Bytes(0x4A, 0x03, 0x04, 0xC1);                                // add rax, [rcx + r8*8]
        a.Bytes(0x44, 0x3B, 0x0D).Vvar(VvarLayout.Sequence);            // cmp r9d, [Sequence]
        a.Jump8(0x75, retry);                                           // jne Retry
        a.Jump8(0xEB, done);                                            // jmp Done
        a.Label(pause);
        a.Bytes(0xF3, 0x90);                                            // pause
        a.Jump8(0xEB, retry);                                           // jmp Retry
        a.Label(done);
    }

    /// <summary>RAX = nanoseconds → RAX = seconds, RDX = the nanoseconds within the second.</summary>
    private static void SplitNanoseconds(Assembler a)
    {
        a.Bytes(0x31, 0xD2);                               // xor edx, edx
        a.Bytes(0xB9).Int32(NanosecondsPerSecond);        // mov ecx, 1000000000
        a.Bytes(0x48, 0xF7, 0xF1);                         // div rcx
    }

    /// <summary><c>mov eax, N; syscall; ret</c>.</summary>
    private static void SystemCall(Assembler a, Abi.SyscallNumber number) =>
        a.Bytes(0xB8).Int32((int)number).Bytes(0x0F, 0x05, 0xC3);

    /// <summary>Bytes, labels and their fix-ups (8- and 32-bit relative jumps, RIP-relative clock-page
    /// operands).</summary>
    private sealed class Assembler(int origin, int vvarAddress)
    {
        private readonly List<byte> _bytes = [];
        private readonly Dictionary<string, int> _labels = [];
        private readonly List<(int At, string Label, bool Wide)> _jumps = [];

        public int Position => origin + _bytes.Count;

        public Assembler Bytes(params ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes)
            {
                _bytes.Add(b);
            }

            return this;
        }

        public Assembler Int32(int value) => Bytes((byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24));

        /// <summary>A disp32 to a clock-page field; <paramref name="trailingBytes"/> immediate bytes follow it.</summary>
        public Assembler Vvar(int field, int trailingBytes = 0) =>
            Int32(vvarAddress + field - (Position + sizeof(int) + trailingBytes));

        public void Label(string name) => _labels.Add(name, Position);

        public void Jump8(byte opcode, string label)
        {
            Bytes(opcode, 0);
            _jumps.Add((_bytes.Count - 1, label, false));
        }

        /// <summary>A <c>0F cc rel32</c> conditional jump.</summary>
        public void Jump32(byte conditionOpcode, string label)
        {
            Bytes(0x0F, conditionOpcode, 0, 0, 0, 0);
            _jumps.Add((_bytes.Count - sizeof(int), label, true));
        }

        public int Align(int alignment, byte fill)
        {
            while (Position % alignment != 0)
            {
                _bytes.Add(fill);
            }

            return Position;
        }

        public byte[] Finish()
        {
            foreach ((int at, string label, bool wide) in _jumps)
            {
                int next = origin + at + (wide ? sizeof(int) : 1);
                int distance = _labels[label] - next;
                if (wide)
                {
                    for (int i = 0; i < sizeof(int); i++)
                    {
                        _bytes[at + i] = (byte)(distance >> (8 * i));
                    }
                }
                else
                {
                    _bytes[at] = distance is >= sbyte.MinValue and <= sbyte.MaxValue
                        ? (byte)(sbyte)distance
                        : throw new InvalidOperationException($"vDSO jump to {label} out of 8-bit range");
                }
            }

            return [.. _bytes];
        }
    }
}
