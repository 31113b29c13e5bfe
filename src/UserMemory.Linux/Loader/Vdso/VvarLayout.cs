namespace UserMemory.Linux.Loader.Vdso;

/// <summary>
/// The clock page (<c>[vvar]</c>) the vDSO reads: the page right below the vDSO image, guest read-only, written by the
/// runner (<see cref="Kernel.VdsoClock"/>) under a sequence count. The vDSO turns the time-stamp counter into
/// nanoseconds with it: <c>clock(id) = MonotonicBase + ((rdtsc - TscBase) * Multiplier &gt;&gt; 32) + Offsets[id]</c>.
/// </summary>
/// <remarks>The layout is this project's own (Linux's <c>vdso_data</c> is not an ABI: only the vDSO's exported functions
/// are). Byte offsets within the page:
/// <code>
/// 0x00  u32  Sequence     odd while the runner writes; readers retry until it is even and unchanged
/// 0x04  u32  Valid        1: the fields below hold; 0: every call makes the system call
/// 0x08  u64  TscBase      the time-stamp counter at the anchor
/// 0x10  u64  Multiplier   nanoseconds per tick, 32.32 fixed point
/// 0x18  u64  MonotonicBase  CLOCK_MONOTONIC (ns) at the anchor
/// 0x20  i64  Offsets[8]   per clock id (0..7): added to the monotonic value; only the ids in FastClocks are used
/// </code></remarks>
internal static class VvarLayout
{
    /// <summary>The sequence count (u32).</summary>
    public const int Sequence = 0x00;

    /// <summary>Whether the parameters hold (u32, 0 or 1).</summary>
    public const int Valid = 0x04;

    /// <summary>The anchor's time-stamp counter (u64).</summary>
    public const int TscBase = 0x08;

    /// <summary>Nanoseconds per tick, 32.32 fixed point (u64).</summary>
    public const int Multiplier = 0x10;

    /// <summary>CLOCK_MONOTONIC at the anchor, in nanoseconds (u64).</summary>
    public const int MonotonicBase = 0x18;

    /// <summary>The per-clock offsets (i64 each, indexed by clock id).</summary>
    public const int Offsets = 0x20;

    /// <summary>The bytes the layout uses.</summary>
    public const int Size = Offsets + (ClockCount * sizeof(long));

    /// <summary>Clock ids 0..7 have an offset slot.</summary>
    public const int ClockCount = 8;

    /// <summary>The fixed-point shift of <see cref="Multiplier"/>.</summary>
    public const int MultiplierShift = 32;

    /// <summary>CLOCK_REALTIME.</summary>
    public const int RealtimeClock = 0;

    /// <summary>CLOCK_MONOTONIC.</summary>
    public const int MonotonicClock = 1;

    /// <summary>CLOCK_BOOTTIME.</summary>
    public const int BoottimeClock = 7;

    /// <summary>The clocks the vDSO answers itself (a bit per id): REALTIME, MONOTONIC and BOOTTIME. The coarse clocks
    /// and <c>time()</c> stay system calls, since Linux answers them from the last tick (file times are taken from
    /// it too, and a program may compare the two); CPU-time and raw clocks stay system calls too.</summary>
    public const int FastClocks = (1 << RealtimeClock) | (1 << MonotonicClock) | (1 << BoottimeClock);
}
