using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.AddressSpace.Interop;

/// <summary>
/// Keeps a host <c>SIGBUS</c> on a view from killing the process. A view maps a guest's file only in whole pages below
/// the file's end, but another process may shrink the file afterwards; the next host access to such a page (a core copy,
/// or an emulated CPU's load through the view) would raise <c>SIGBUS</c>, which the .NET runtime turns into a crash.
/// This guard installs a process-wide <c>SIGBUS</c> handler that, for a fault inside a registered view, replaces the
/// faulting page with a private zero page (<c>mmap MAP_FIXED|MAP_ANONYMOUS</c>) and returns, so the access completes
/// (reading zero, its store going nowhere); it counts the event (<see cref="Events"/>), so the owner can later move the
/// pages past the file's end back out of the view. Any other <c>SIGBUS</c> goes to the handler installed before (the
/// runtime's), or to the default action.
/// </summary>
/// <remarks>
/// <para>Invariants (unsafe code):</para>
/// <list type="number">
/// <item>The handler is position-independent x86-64 machine code (source in the comment of <see cref="HandlerCode"/>)
/// in a page mapped read-execute, followed by one read-write data page: the event counter (offset
/// <see cref="EventsOffset"/>), the previous handler (<see cref="PreviousHandlerOffset"/>), a kernel
/// <c>sigaction</c> for SIG_DFL, and <see cref="Slots"/> ranges <c>(start, end)</c> (<see cref="TableOffset"/>).
/// Both pages are never unmapped.</item>
/// <item>The handler reads only that data page and <c>siginfo.si_addr</c>, makes only the <c>mmap</c> and
/// <c>rt_sigaction</c> system calls, and touches only the faulting page of a registered range, which lies inside a
/// reservation its owner registered and still owns (it unregisters before unmapping).</item>
/// <item>A slot is published by writing its start, then its end; retired by writing its end to zero first. x86-64
/// stores are ordered, so the handler sees either an empty slot or a complete range.</item>
/// <item>Only on x86-64 Linux; elsewhere <see cref="Register"/> answers false and nothing is installed.</item>
/// </list>
/// </remarks>
internal static unsafe class HostFaultGuard
{
    /// <summary>Ranges the handler checks (views of live address spaces that map files).</summary>
    public const int Slots = 64;

    private const int SigBus = 7;
    private const int SaSigInfo = 4;
    private const int SaOnStack = 0x08000000;
    private const int PageSize = 4096;
    private const int EventsOffset = 0;
    private const int PreviousHandlerOffset = 8;
    private const int TableOffset = 0x40;
    private const int SlotSize = 16;

    /// <summary>glibc's <c>struct sigaction</c> on x86-64: handler, 128-byte mask, flags (int), restorer.</summary>
    private const int SigactionSize = 152;
    private const int SigactionFlagsOffset = 136;

    /// <summary>
    /// The handler (Intel syntax; <c>table</c>, <c>previous</c>, <c>dfl</c>, <c>events</c> are in the data page):
    /// <code>
    ///     mov rax, [rsi+16]             ; si_addr
    ///     lea rcx, [rip+table]
    ///     mov r8d, 64
    /// 1:  mov r9, [rcx]                 ; start
    ///     mov r10, [rcx+8]              ; end
    ///     mov r11, rax
    ///     sub r11, r9
    ///     sub r10, r9
    ///     cmp r11, r10                  ; start &lt;= addr &lt; end
    ///     jb 3f
    ///     add rcx, 16
    ///     dec r8d
    ///     jnz 1b
    /// 2:  mov rax, [rip+previous]       ; not ours: the previous handler, same arguments
    ///     cmp rax, 1
    ///     jbe 4f
    ///     jmp rax
    /// 4:  mov edi, 7                    ; SIG_DFL/SIG_IGN before: restore SIG_DFL and return (the fault repeats)
    ///     lea rsi, [rip+dfl]
    ///     xor edx, edx
    ///     mov r10d, 8
    ///     mov eax, 13                   ; rt_sigaction
    ///     syscall
    ///     ret
    /// 3:  push rdi / push rsi / push rdx
    ///     mov rdi, rax
    ///     and rdi, -4096
    ///     mov esi, 4096
    ///     mov edx, 3                    ; PROT_READ | PROT_WRITE
    ///     mov r10d, 0x32                ; MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS
    ///     mov r8, -1
    ///     xor r9d, r9d
    ///     mov eax, 9                    ; mmap
    ///     syscall
    ///     pop rdx / pop rsi / pop rdi
    ///     cmp rax, -4096
    ///     ja 2b                         ; mmap failed: treat as not ours
    ///     lock inc qword [rip+events]
    ///     ret
    /// </code>
    /// </summary>
    private static ReadOnlySpan<byte> HandlerCode =>
    [
        0x48, 0x8B, 0x46, 0x10, 0x48, 0x8D, 0x0D, 0x35, 0x10, 0x00, 0x00, 0x41, 0xB8, 0x40, 0x00, 0x00,
        0x00, 0x4C, 0x8B, 0x09, 0x4C, 0x8B, 0x51, 0x08, 0x49, 0x89, 0xC3, 0x4D, 0x29, 0xCB, 0x4D, 0x29,
        0xCA, 0x4D, 0x39, 0xD3, 0x72, 0x34, 0x48, 0x83, 0xC1, 0x10, 0x41, 0xFF, 0xC8, 0x75, 0xE2, 0x48,
        0x8B, 0x05, 0xD2, 0x0F, 0x00, 0x00, 0x48, 0x83, 0xF8, 0x01, 0x76, 0x02, 0xFF, 0xE0, 0xBF, 0x07,
        0x00, 0x00, 0x00, 0x48, 0x8D, 0x35, 0xC6, 0x0F, 0x00, 0x00, 0x31, 0xD2, 0x41, 0xBA, 0x08, 0x00,
        0x00, 0x00, 0xB8, 0x0D, 0x00, 0x00, 0x00, 0x0F, 0x05, 0xC3, 0x57, 0x56, 0x52, 0x48, 0x89, 0xC7,
        0x48, 0x81, 0xE7, 0x00, 0xF0, 0xFF, 0xFF, 0xBE, 0x00, 0x10, 0x00, 0x00, 0xBA, 0x03, 0x00, 0x00,
        0x00, 0x41, 0xBA, 0x32, 0x00, 0x00, 0x00, 0x49, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x45, 0x31,
        0xC9, 0xB8, 0x09, 0x00, 0x00, 0x00, 0x0F, 0x05, 0x5A, 0x5E, 0x5F, 0x48, 0x3D, 0x00, 0xF0, 0xFF,
        0xFF, 0x77, 0x9C, 0xF0, 0x48, 0xFF, 0x05, 0x65, 0x0F, 0x00, 0x00, 0xC3,
    ];

    private static readonly Lock Gate = new();
    private static nint _code;
    private static bool _unavailable;

    /// <summary>How many host faults the handler repaired so far.</summary>
    public static long Events => _code == 0 ? 0 : Volatile.Read(ref *(long*)(_code + PageSize + EventsOffset));

    /// <summary>Guards <c>[start, start + size)</c> (installing the handler on first use).</summary>
    /// <returns>True when guarded; false when every slot is taken or the platform has no guard.</returns>
    public static bool Register(nint start, ulong size)
    {
        lock (Gate)
        {
            if (!EnsureInstalled())
            {
                return false;
            }

            long* table = (long*)(_code + PageSize + TableOffset);
            for (int i = 0; i < Slots; i++)
            {
                if (Volatile.Read(ref table[(2 * i) + 1]) == 0)
                {
                    table[2 * i] = start;
                    Volatile.Write(ref table[(2 * i) + 1], start + (nint)size);
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Stops guarding the range that starts at <paramref name="start"/> (before it is unmapped).</summary>
    public static void Unregister(nint start)
    {
        lock (Gate)
        {
            if (_code == 0)
            {
                return;
            }

            long* table = (long*)(_code + PageSize + TableOffset);
            for (int i = 0; i < Slots; i++)
            {
                if (table[2 * i] == start && Volatile.Read(ref table[(2 * i) + 1]) != 0)
                {
                    Volatile.Write(ref table[(2 * i) + 1], 0);
                    table[2 * i] = 0;
                }
            }
        }
    }

    private static bool EnsureInstalled()
    {
        if (_code != 0 || _unavailable)
        {
            return _code != 0;
        }

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            _unavailable = true;
            return false;
        }

        nint pages = Libc.Mmap(0, 2 * PageSize, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
        if (pages == Libc.MapFailed)
        {
            _unavailable = true;
            return false;
        }

        HandlerCode.CopyTo(new Span<byte>((void*)pages, PageSize));
        byte* action = stackalloc byte[SigactionSize];
        byte* previous = stackalloc byte[SigactionSize];
        new Span<byte>(action, SigactionSize).Clear();
        new Span<byte>(previous, SigactionSize).Clear();
        if (Libc.Mprotect(pages, PageSize, Libc.ProtRead | Libc.ProtExec) != 0 || Libc.Sigaction(SigBus, null, previous) != 0)
        {
            _ = Libc.Munmap(pages, 2 * PageSize);
            _unavailable = true;
            return false;
        }

        *(long*)(pages + PageSize + PreviousHandlerOffset) = *(long*)previous;
        *(long*)action = pages;
        *(int*)(action + SigactionFlagsOffset) = SaSigInfo | SaOnStack;
        if (Libc.Sigaction(SigBus, action, null) != 0)
        {
            _ = Libc.Munmap(pages, 2 * PageSize);
            _unavailable = true;
            return false;
        }

        _code = pages;
        return true;
    }
}
