using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserMemory.Benchmarks.Interop;

/// <summary>
/// The benchmarks' baselines: unchecked memory access and raw libc calls. This is the only file of the benchmark
/// project with unsafe code.
/// </summary>
/// <remarks>
/// Invariants every caller upholds:
/// <list type="number">
/// <item>An address passed to <see cref="Read{T}"/>, <see cref="Touch"/>, <see cref="Copy"/> or <see cref="Bytes"/>
/// is either a kernel address the address space handed out for a range that was validated and populated during the
/// benchmark's setup (and is never unmapped while the benchmark runs), or lies inside a mapping this file created
/// with <see cref="MapAnonymous"/> and made accessible with <see cref="Protect"/>.</item>
/// <item>Lengths never exceed those ranges.</item>
/// <item>These helpers skip every check on purpose: they are what the validated paths are compared with.</item>
/// </list>
/// </remarks>
internal static unsafe partial class RawMemory
{
    /// <summary>PROT_NONE.</summary>
    public const int ProtNone = 0;

    /// <summary>PROT_READ | PROT_WRITE.</summary>
    public const int ProtReadWrite = 3;

    private const int MapPrivate = 0x02;
    private const int MapAnonymousFlag = 0x20;
    private const int MapNoReserve = 0x4000;

    /// <summary>An unchecked read, what a kernel does after it validated the pointer itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Read<T>(nuint address)
        where T : unmanaged => Unsafe.Read<T>((void*)address);

    /// <summary>An unchecked write, used by setup to plant known values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(nuint address, T value)
        where T : unmanaged => Unsafe.Write((void*)address, value);

    /// <summary>Writes one byte: the first touch of a page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Touch(nuint address) => *(byte*)address = 1;

    /// <summary><see cref="Buffer.MemoryCopy"/> between two raw buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(nuint source, nuint destination, int length) =>
        Buffer.MemoryCopy((void*)source, (void*)destination, length, length);

    /// <summary>A raw buffer as a span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<byte> Bytes(nuint address, int length) => new((void*)address, length);

    /// <summary>Reserves <paramref name="length"/> bytes of private anonymous memory, inaccessible (PROT_NONE).</summary>
    /// <returns>The address.</returns>
    /// <exception cref="InvalidOperationException">mmap failed.</exception>
    public static nuint MapAnonymous(nuint length)
    {
        nint p = mmap(0, length, ProtNone, MapPrivate | MapAnonymousFlag | MapNoReserve, -1, 0);
        if (p == -1)
        {
            throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (nuint)p;
    }

    /// <summary>Changes the protection of a page-aligned range.</summary>
    /// <exception cref="InvalidOperationException">mprotect failed.</exception>
    public static void Protect(nuint address, nuint length, int protection)
    {
        if (mprotect((nint)address, length, protection) != 0)
        {
            throw new InvalidOperationException($"mprotect failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Releases a mapping made by <see cref="MapAnonymous"/>.</summary>
    public static void Unmap(nuint address, nuint length) => _ = munmap((nint)address, length);

    /// <summary>Allocates page-aligned native memory that is committed at once (filled with zeros).</summary>
    /// <returns>The address.</returns>
    public static nuint AllocateAligned(nuint length)
    {
        void* p = NativeMemory.AlignedAlloc(length, 4096);
        NativeMemory.Clear(p, length);
        return (nuint)p;
    }

    /// <summary>Frees memory from <see cref="AllocateAligned"/>.</summary>
    public static void FreeAligned(nuint address) => NativeMemory.AlignedFree((void*)address);

    /// <summary>The calling thread's CPU time (user + system) in nanoseconds: CLOCK_THREAD_CPUTIME_ID.</summary>
    /// <returns>Nanoseconds.</returns>
    public static long ThreadCpuTimeNanoseconds()
    {
        Timespec t;
        _ = clock_gettime(ClockThreadCpuTime, &t);
        return (t.Seconds * 1_000_000_000L) + t.Nanoseconds;
    }

    private const int ClockThreadCpuTime = 3;

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, Timespec* time);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);
}
