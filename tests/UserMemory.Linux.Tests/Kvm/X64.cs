using System;
using System.Buffers.Binary;

namespace UserMemory.Linux.Tests.Kvm;

/// <summary>The few x86-64 instructions the KVM tests assemble, each with its encoding spelled out.</summary>
internal static class X64
{
    public static readonly byte[] Syscall = [0x0F, 0x05];
    public static readonly byte[] Ud2 = [0x0F, 0x0B];
    public static readonly byte[] Hlt = [0xF4];
    public static readonly byte[] Cli = [0xFA];
    public static readonly byte[] InAlDx = [0xEC];
    public static readonly byte[] Int3 = [0xCC];
    public static readonly byte[] Int80 = [0xCD, 0x80];
    public static readonly byte[] Int81 = [0xCD, 0x81];
    public static readonly byte[] XorEcxEcx = [0x31, 0xC9];
    public static readonly byte[] DivEcx = [0xF7, 0xF1];
    public static readonly byte[] JmpSelf = [0xEB, 0xFE];
    public static readonly byte[] Ret = [0xC3];
    public static readonly byte[] CallRax = [0xFF, 0xD0];

    /// <summary><c>lea rdi, [rax+1]</c>.</summary>
    public static readonly byte[] LeaRdiRaxPlus1 = [0x48, 0x8D, 0x78, 0x01];

    /// <summary><c>mov rdi, [rax]</c>.</summary>
    public static readonly byte[] MovRdiFromRax = [0x48, 0x8B, 0x38];

    /// <summary><c>mov rdi, [rbx]</c>.</summary>
    public static readonly byte[] MovRdiFromRbx = [0x48, 0x8B, 0x3B];

    /// <summary><c>mov rdi, fs:[8]</c>.</summary>
    public static readonly byte[] MovRdiFromFs8 = [0x64, 0x48, 0x8B, 0x3C, 0x25, 0x08, 0x00, 0x00, 0x00];

    /// <summary><c>mov eax, imm32</c>.</summary>
    public static byte[] MovEax(uint value) => WithImm32(0xB8, value);

    /// <summary><c>mov edi, imm32</c>.</summary>
    public static byte[] MovEdi(uint value) => WithImm32(0xBF, value);

    /// <summary><c>mov rax, imm64</c>.</summary>
    public static byte[] MovRax(ulong value) => WithImm64([0x48, 0xB8], value);

    /// <summary><c>mov rbx, imm64</c>.</summary>
    public static byte[] MovRbx(ulong value) => WithImm64([0x48, 0xBB], value);

    /// <summary><c>mov dword [rax], imm32</c>.</summary>
    public static byte[] MovDwordToRax(uint value) => WithImm32Prefix([0xC7, 0x00], value);

    /// <summary><c>mov dword [rbx], imm32</c>.</summary>
    public static byte[] MovDwordToRbx(uint value) => WithImm32Prefix([0xC7, 0x03], value);

    /// <summary>The page-touching loop: <c>l: mov byte [rax], 1; add rax, 0x1000; jmp l</c>.</summary>
    public static byte[] TouchPagesForever() =>
    [
        0xC6, 0x00, 0x01,                   // mov byte [rax], 1
        0x48, 0x05, 0x00, 0x10, 0x00, 0x00, // add rax, 0x1000
        0xEB, 0xF5,                         // jmp -11 (back to the mov)
    ];

    /// <summary>Writes one byte per page from RAX up to <paramref name="last"/>:
    /// <c>mov rcx, last; l: mov byte [rax], 1; add rax, 0x1000; cmp rax, rcx; jbe l</c>.</summary>
    public static byte[] TouchPagesUntil(ulong last) => Concat(
        WithImm64([0x48, 0xB9], last),        // mov rcx, imm64
        [
            0xC6, 0x00, 0x01,                   // mov byte [rax], 1
            0x48, 0x05, 0x00, 0x10, 0x00, 0x00, // add rax, 0x1000
            0x48, 0x39, 0xC8,                   // cmp rax, rcx
            0x76, 0xF2,                         // jbe -14
        ]);

    /// <summary>A compute loop: <c>l: imul rdx, rdx, 3; add rdx, rcx; dec rcx; jnz l</c>.</summary>
    public static byte[] ComputeLoop() =>
    [
        0x48, 0x6B, 0xD2, 0x03, // imul rdx, rdx, 3
        0x48, 0x01, 0xCA,       // add rdx, rcx
        0x48, 0xFF, 0xC9,       // dec rcx
        0x75, 0xF4,             // jnz -12
    ];

    /// <summary>A syscall loop: <c>l: mov eax, 39; syscall; dec rbx; jnz l</c>.</summary>
    public static byte[] SyscallLoop() =>
    [
        0xB8, 0x27, 0x00, 0x00, 0x00, // mov eax, 39
        0x0F, 0x05,                   // syscall
        0x48, 0xFF, 0xCB,             // dec rbx
        0x75, 0xF4,                   // jnz -12
    ];

    private static byte[] Concat(byte[] a, byte[] b)
    {
        byte[] all = new byte[a.Length + b.Length];
        a.CopyTo(all, 0);
        b.CopyTo(all, a.Length);
        return all;
    }

    private static byte[] WithImm32(byte opcode, uint value)
    {
        byte[] b = new byte[5];
        b[0] = opcode;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(1), value);
        return b;
    }

    private static byte[] WithImm32Prefix(byte[] prefix, uint value)
    {
        byte[] b = new byte[prefix.Length + 4];
        prefix.CopyTo(b, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(prefix.Length), value);
        return b;
    }

    private static byte[] WithImm64(byte[] prefix, ulong value)
    {
        byte[] b = new byte[prefix.Length + 8];
        prefix.CopyTo(b, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(prefix.Length), value);
        return b;
    }
}
