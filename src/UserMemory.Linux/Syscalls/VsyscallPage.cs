using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The legacy vsyscall page at <see cref="Address"/>, as Linux emulates it by default (<c>vsyscall=xonly</c>): nothing
/// is mapped there, so a call faults on the instruction fetch, and Linux's <c>emulate_vsyscall</c> runs the call and
/// returns to the caller. Its three entries are <c>gettimeofday(rdi, rsi)</c> at +0, <c>time(rdi)</c> at +0x400 and
/// <c>getcpu(rdi, rsi)</c> at +0x800 (the cache argument is ignored); RAX gets the result, RIP the return address read
/// at RSP, and RSP moves past it.
/// </summary>
/// <remarks>
/// As Linux: a fetch anywhere else in the page, or with a return address that cannot be read, is <c>force_sig(SIGSEGV)</c>
/// (SI_KERNEL, si_addr 0, RIP at the entry; the frame's trap number and error code are the thread's last ones, see
/// <see cref="Task.LastTrap"/>). A pointer argument above the user range is SIGSEGV SEGV_MAPERR with si_addr the pointer
/// and a write fault's error code, before the call runs; a call that faults on a user pointer (EFAULT) is again
/// <c>force_sig(SIGSEGV)</c>. In both cases RIP stays at the entry. Reads and writes of the page are ordinary page
/// faults on a kernel address (SEGV_MAPERR).
/// </remarks>
internal static class VsyscallPage
{
    /// <summary>The page's address (<c>VSYSCALL_ADDR</c>).</summary>
    internal const ulong Address = 0xffff_ffff_ff60_0000;

    private const ulong PageSize = 4096;

    /// <summary>The bits of an address inside the page that select an entry (<c>addr_to_vsyscall_nr</c>).</summary>
    private const ulong EntryBits = 0xC00;

    private const int EntryShift = 10;
    private const int GetTimeOfDayEntry = 0;
    private const int TimeEntry = 1;
    private const int GetCpuEntry = 2;

    /// <summary><c>TASK_SIZE_MAX</c> (4-level paging): <c>access_ok</c> refuses a pointer at or above it.</summary>
    private const ulong TaskSizeMax = 0x7fff_ffff_f000;

    /// <summary>The error code <c>write_ok_or_segv</c> records: a user-mode write.</summary>
    private const ulong UserWriteErrorCode = 0x6;

    /// <summary>The size of the return address a call pushed.</summary>
    private const ulong ReturnAddressSize = 8;

    /// <summary>Whether a page fault is a call into the vsyscall page: an instruction fetch at RIP inside it.</summary>
    /// <param name="address">The fault address.</param>
    /// <param name="access">The access.</param>
    /// <param name="rip">The faulting RIP.</param>
    /// <returns>True when <see cref="Emulate"/> must answer it.</returns>
    internal static bool IsCall(ulong address, MappingFlags access, ulong rip) =>
        address - Address < PageSize && address == rip && (access & MappingFlags.Execute) != 0;

    /// <summary>Runs the vsyscall <paramref name="rip"/> calls, as Linux's <c>emulate_vsyscall</c>.</summary>
    /// <param name="t">The task.</param>
    /// <param name="rip">The entry called.</param>
    /// <returns>Where the task resumes (the caller, or a signal handler).</returns>
    internal static ulong Emulate(Task t, ulong rip)
    {
        ulong offset = rip - Address;
        int entry = (int)((offset & EntryBits) >> EntryShift);
        if ((offset & ~EntryBits) != 0 || entry > GetCpuEntry)
        {
            return SynchronousFault.DeliverKernelSegv(t, rip); // misaligned vsyscall
        }

        ICpu cpu = t.Cpu;
        ulong rsp = cpu.Read(CpuRegister.Rsp);
        if (t.ReadU64(rsp, out ulong caller) < 0)
        {
            return SynchronousFault.DeliverKernelSegv(t, rip); // bad stack
        }

        ulong rdi = cpu.Read(CpuRegister.Rdi);
        ulong rsi = cpu.Read(CpuRegister.Rsi);
        (SyscallNumber number, bool twoPointers) = entry switch
        {
            GetTimeOfDayEntry => (SyscallNumber.Gettimeofday, true),
            TimeEntry => (SyscallNumber.Time, false),
            _ => (SyscallNumber.Getcpu, true),
        };

        if (!IsUserPointer(rdi))
        {
            return SynchronousFault.Deliver(t, SignalNumber.SIGSEGV, SignalCode.SegvMapError, rdi, rip, X86Vector.PageFault, UserWriteErrorCode);
        }

        if (twoPointers && !IsUserPointer(rsi))
        {
            return SynchronousFault.Deliver(t, SignalNumber.SIGSEGV, SignalCode.SegvMapError, rsi, rip, X86Vector.PageFault, UserWriteErrorCode);
        }

        Span<ulong> args = [rdi, twoPointers ? rsi : 0, 0, 0, 0, 0]; // getcpu's cache pointer is passed as null
        long result = SyscallTable.Lookup((long)number)!.Handler(t, args);
        if (result == -(long)LinuxError.EFAULT)
        {
            return SynchronousFault.DeliverKernelSegv(t, rip); // a vsyscall with a bad user pointer
        }

        cpu.Write(CpuRegister.Rax, (ulong)result);
        cpu.Write(CpuRegister.Rsp, rsp + ReturnAddressSize);
        return caller;
    }

    /// <summary><c>access_ok</c> for an object smaller than a page (timeval, timezone, time_t, unsigned): null and any
    /// address below <see cref="TaskSizeMax"/> pass; whether the memory is mapped is found by the call itself.</summary>
    private static bool IsUserPointer(ulong pointer) => pointer < TaskSizeMax;
}
