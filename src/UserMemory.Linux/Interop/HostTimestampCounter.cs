using System;
using System.Runtime.InteropServices;
using System.Threading;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Interop;

/// <summary>
/// The host's time-stamp counter (<c>rdtsc</c>), which .NET has no intrinsic for: a ten-byte routine in a page of its
/// own, made executable once per process. The vDSO's clock (<see cref="Kernel.VdsoClock"/>) pairs it with the host's
/// clocks; the guest reads the same counter (neither KVM here nor Unicorn offsets it, which the calibration checks
/// against the guest's own reading before it trusts it).
/// </summary>
/// <remarks>Invariants: the page is written while private and read-write, then made read-and-execute and never written
/// again or unmapped, so the function pointer stays valid for the process's life; when the host refuses an executable
/// page (a W^X policy), <see cref="TryRead"/> answers false and the vDSO keeps making system calls.</remarks>
internal static unsafe partial class HostTimestampCounter
{
    private const int PageSize = 4096;
    private const int ClockRealtime = 0, ClockMonotonic = 1, ClockBoottime = 7;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const long ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivateAnonymous = 0x22;

    /// <summary><c>rdtsc; shl rdx, 32; or rax, rdx; ret</c>.</summary>
    private static ReadOnlySpan<byte> Routine => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private static readonly Lazy<nint> Entry = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Reads the counter.</summary>
    /// <param name="ticks">The counter.</param>
    /// <returns>False when the routine could not be made executable.</returns>
    internal static bool TryRead(out ulong ticks)
    {
        nint entry = Entry.Value;
        if (entry == 0)
        {
            ticks = 0;
            return false;
        }

        ticks = ((delegate* unmanaged<ulong>)entry)();
        return true;
    }

    /// <summary>The host's CLOCK_MONOTONIC in nanoseconds (libc's <c>clock_gettime</c>: the host's own vDSO, tens of
    /// nanoseconds, where a system call would widen the calibration's bracket).</summary>
    /// <returns>The time.</returns>
    internal static long Monotonic() => Clock(ClockMonotonic);

    /// <summary>The host's CLOCK_REALTIME in nanoseconds.</summary>
    /// <returns>The time.</returns>
    internal static long Realtime() => Clock(ClockRealtime);

    /// <summary>The host's CLOCK_BOOTTIME in nanoseconds.</summary>
    /// <returns>The time.</returns>
    internal static long Boottime() => Clock(ClockBoottime);

    private static long Clock(int id)
    {
        long* time = stackalloc long[2];
        return clock_gettime(id, time) == 0 ? (time[0] * NanosecondsPerSecond) + time[1] : 0;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, long* time);

    private static nint Create()
    {
        long page = HostLinux.Syscall((long)SyscallNumber.Mmap, 0, PageSize, ProtRead | ProtWrite, MapPrivateAnonymous, -1, 0);
        if (page < 0)
        {
            return 0;
        }

        Routine.CopyTo(new Span<byte>((void*)page, PageSize));
        if (HostLinux.Syscall((long)SyscallNumber.Mprotect, page, PageSize, ProtRead | ProtExec) != 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Munmap, page, PageSize);
            return 0;
        }

        return (nint)page;
    }
}
