using System;
using System.Runtime.InteropServices;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Cpu.Unicorn;

/// <summary>
/// A native Unicorn block hook, generated once per process: at the start of every translated block it reads a 32-bit
/// flag (the hook's user data); when the flag is set it clears it and tail-calls <c>uc_emu_stop</c> on the engine.
/// It is how another host thread stops a run precisely (see <see cref="UnicornMachine"/>): Unicorn 2.0.1's
/// <c>uc_emu_stop</c> from another thread can end a run with the PC at the start of a block some of whose
/// instructions already ran, while a stop from inside a block hook happens before any instruction of the block.
/// A managed hook did the same at a cost of 1.4–2.4× on whole programs (one managed transition per block); this one
/// is a few instructions that never leave native code.
/// </summary>
/// <remarks>
/// The hook has Unicorn's <c>uc_cb_hookcode_t</c> signature, <c>void (uc_engine *uc, uint64_t address, uint32_t
/// size, void *user_data)</c>, so under the System V ABI <c>rdi</c> = engine and <c>rcx</c> = the flag. Listing:
/// <code>
/// 0:  8b 01                 mov    eax, dword [rcx]     ; the flag
/// 2:  85 c0                 test   eax, eax
/// 4:  75 01                 jnz    7
/// 6:  c3                    ret                         ; not set: continue the block
/// 7:  c7 01 00 00 00 00     mov    dword [rcx], 0       ; set: clear it (one stop per request)
/// d:  48 b8 &lt;imm64&gt;       movabs rax, uc_emu_stop
/// 17: ff e0                 jmp    rax                  ; uc_emu_stop(uc): rdi is still the engine
/// </code>
/// Invariants: the page is written while private and writable, then made read-and-execute and never written again
/// nor freed (it lives as long as the process, like the loaded Unicorn library whose export it calls). The flag a
/// caller passes as user data is 4-byte aligned native memory that outlives every run of the engine the hook is on.
/// </remarks>
internal static unsafe class BlockStopStub
{
    private const string Library = "libunicorn.so.2";
    private const int PageSize = 4096;
    private const int ImmediateOffset = 0xF;

    private static readonly byte[] Template =
    [
        0x8B, 0x01, // mov eax, [rcx]
        0x85, 0xC0, // test eax, eax
        0x75, 0x01, // jnz +1
        0xC3, // ret
        0xC7, 0x01, 0x00, 0x00, 0x00, 0x00, // mov dword [rcx], 0
        0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, // movabs rax, imm64 (at ImmediateOffset)
        0xFF, 0xE0, // jmp rax
    ];

    private static readonly Lazy<nint> Generated = new(Generate);

    /// <summary>The hook's entry point.</summary>
    /// <exception cref="InvalidOperationException">The host refused an executable page.</exception>
    internal static nint Address => Generated.Value;

    private static nint Generate()
    {
        nint stop = NativeLibrary.GetExport(NativeLibrary.Load(Library), "uc_emu_stop");
        long page = HostLinux.Syscall((long)SyscallNumber.Mmap, 0, PageSize, (long)(Protection.Read | Protection.Write),
            (long)(MapFlags.Private | MapFlags.Anonymous), -1, 0);
        if (page < 0)
        {
            throw new InvalidOperationException("mmap for the Unicorn block hook failed: errno " + (-page));
        }

        var code = new Span<byte>((void*)page, Template.Length);
        Template.CopyTo(code);
        BitConverter.TryWriteBytes(code[ImmediateOffset..], (long)stop);
        long protect = HostLinux.Syscall((long)SyscallNumber.Mprotect, page, PageSize, (long)(Protection.Read | Protection.Execute));
        if (protect < 0)
        {
            throw new InvalidOperationException("mprotect for the Unicorn block hook failed: errno " + (-protect));
        }

        return (nint)page;
    }
}
