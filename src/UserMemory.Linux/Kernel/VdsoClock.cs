using System;
using System.Diagnostics;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Cpu.Kvm;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Loader.Vdso;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// Keeps a process's vDSO clock page (<see cref="VvarLayout"/>) calibrated, so that <c>clock_gettime</c> and
/// <c>gettimeofday</c> on CLOCK_REALTIME, MONOTONIC and BOOTTIME read the time-stamp counter in the guest instead of
/// making a system call: under KVM a system call is a VM exit (about 27 µs here), and Go's scheduler alone reads the
/// clock hundreds of thousands of times a second.
/// </summary>
/// <remarks>
/// <para><b>What the page holds.</b> A line through one anchor: <c>monotonic = MonotonicBase + (tsc - TscBase) *
/// Multiplier</c>, plus the offsets of REALTIME and BOOTTIME from MONOTONIC. The runner measures the counter against
/// its own clocks (<see cref="HostTimestampCounter"/> around <c>clock_gettime</c>, the narrowest of a few tries), and
/// the slope from the process's first sample to the latest: the page becomes valid once they are
/// <see cref="MinimumSpan"/> apart, and until then every call makes the system call. Each refresh (after a system
/// call, at most once per <see cref="RefreshInterval"/>) starts the new line where the old one stands at that
/// moment and aims it at the host's clock one <see cref="Horizon"/> later, so the guest's monotonic clocks never step
/// back and follow the host's (NTP included) to within the slope's error.</para>
/// <para><b>When it stays off.</b> Only the KVM backend uses it (Unicorn's system calls cost about a microsecond, and
/// its counter is emulated). The guest's counter must be the host's: the first refresh reads the vCPU's
/// <c>IA32_TSC</c> between two host readings and gives up on the page for good when it falls outside (a KVM that
/// offsets its guests' counters). It gives up too when the host refuses an executable page for <c>rdtsc</c>, or when
/// the guest unmapped or remapped the page.</para>
/// <para><b>Writing.</b> The page is guest read-only; the runner writes it through the kernel view of an access
/// scope (so no unmap runs meanwhile), under the page's sequence count: odd while writing, which the vDSO's readers
/// (other vCPUs may be reading) wait out. One task writes at a time; another task finding the lock taken skips its
/// refresh.</para>
/// </remarks>
internal sealed unsafe class VdsoClock
{
    /// <summary>The shortest span between the first and the latest sample before the slope is trusted, in ns (0.1 s:
    /// the samples' error of tens of nanoseconds makes it good to a part per million or better).</summary>
    internal const long MinimumSpan = 100_000_000;

    /// <summary>How often a calibrated page is refreshed (at the next system call after that).</summary>
    internal static readonly long RefreshInterval = Stopwatch.Frequency;

    /// <summary>How soon an uncalibrated page is looked at again.</summary>
    private static readonly long RetryInterval = Stopwatch.Frequency / 50;

    /// <summary>How far ahead a refresh aims its line at the host's clock (ns).</summary>
    private const double Horizon = 1e9;

    /// <summary>The largest error a refresh slews away; beyond it the line jumps to the host's clock (ns).</summary>
    private const long MaxSlewError = 1_000_000;

    /// <summary>The largest slope change a refresh makes, relative (a thousand parts per million).</summary>
    private const double MaxSlewRate = 1e-3;

    /// <summary>The samples taken to keep the narrowest bracket.</summary>
    private const int SampleTries = 5;

    /// <summary>The widest bracket a sample may have (a preemption inside every try widens it; the refresh then waits):
    /// 2 µs, in nanoseconds and, generously, in counter ticks of a CPU up to 10 GHz.</summary>
    private const long MaxBracketNanoseconds = 2_000;
    private const ulong MaxBracketTicks = 20_000;

    private const double FixedPointOne = 4294967296.0; // 2^MultiplierShift
    private const int ClockRealtime = 0, ClockBoottime = 7;

    private static readonly object AnchorGate = new();
    private static (ulong Tsc, long Monotonic)? s_anchor;

    private readonly ThreadGroup _group;
    private readonly AddrSpace _space;
    private readonly ulong _page;
    private long _next;
    private bool _checked;
    private bool _off;

    private VdsoClock(ThreadGroup group, ulong page)
    {
        _group = group;
        _space = group.Space;
        _page = page;
    }

    /// <summary>The clock of <paramref name="group"/>'s page, or null when it has no vDSO or does not run on KVM.</summary>
    /// <param name="group">The process.</param>
    /// <returns>The clock.</returns>
    internal static VdsoClock? For(ThreadGroup group)
    {
        if (group.Kernel.Options.Cpu != CpuBackend.Kvm)
        {
            return null;
        }

        foreach (System.Collections.Generic.KeyValuePair<ulong, ulong> entry in group.Image.AuxiliaryVector)
        {
            if (entry.Key == (ulong)AuxvType.SysinfoHeader && entry.Value > VdsoImage.ClockPageSize)
            {
                return new VdsoClock(group, entry.Value - VdsoImage.ClockPageSize);
            }
        }

        return null;
    }

    /// <summary>Refreshes the page when it is due; cheap otherwise (one clock read). Called by <paramref name="t"/>
    /// after a system call, on its own thread.</summary>
    /// <param name="t">The calling task.</param>
    internal void MaybeRefresh(Task t)
    {
        if (_off || Stopwatch.GetTimestamp() < Volatile.Read(ref _next) || !Monitor.TryEnter(this))
        {
            return;
        }

        try
        {
            if (!_off && _group.Space == _space)
            {
                Refresh(t);
            }
        }
        finally
        {
            Monitor.Exit(this);
        }
    }

    private void Refresh(Task t)
    {
        if (!_checked)
        {
            _checked = true;
            if (!GuestCounterIsHosts(t.Cpu))
            {
                _off = true;
                return;
            }
        }

        if (!HostTimestampCounter.TryRead(out _))
        {
            _off = true; // no executable page for rdtsc on this host
            return;
        }

        long now = Stopwatch.GetTimestamp();
        if (!TrySample(out ulong tsc, out long monotonic, out long realtimeOffset, out long boottimeOffset))
        {
            Volatile.Write(ref _next, now + RetryInterval);
            return;
        }

        (ulong Tsc, long Monotonic) anchor;
        lock (AnchorGate)
        {
            s_anchor ??= (tsc, monotonic);
            anchor = s_anchor.Value;
        }

        if (monotonic - anchor.Monotonic < MinimumSpan || tsc <= anchor.Tsc)
        {
            Volatile.Write(ref _next, now + RetryInterval);
            return;
        }

        double nanosecondsPerTick = (monotonic - anchor.Monotonic) / (double)(tsc - anchor.Tsc);
        if (!Write(tsc, monotonic, realtimeOffset, boottimeOffset, nanosecondsPerTick))
        {
            _off = true;
            return;
        }

        Volatile.Write(ref _next, now + RefreshInterval);
    }

    /// <summary>Continues the page's line from where it stands at <paramref name="tsc"/>, aimed at the host's clock one
    /// horizon later; a first or far-off line starts at the host's clock.</summary>
    private bool Write(ulong tsc, long monotonic, long realtimeOffset, long boottimeOffset, double nanosecondsPerTick)
    {
        if (_group.Space != _space || !_space.TryGetArea(new VirtAddr(_page), out MemoryAreaInfo area)
            || area.Range.Start.Value != _page || area.Range.Size != VdsoImage.ClockPageSize || area.Flags != (MappingFlags.Read | MappingFlags.User))
        {
            return false; // the guest unmapped, remapped or re-protected its clock page
        }

        using UserAccess access = UserAccess.Begin(_space);
        if (_space.PrepareAccess(new VirtAddr(_page), VdsoImage.ClockPageSize, MappingFlags.Read, out nuint kernel) != LinuxError.None)
        {
            return false;
        }

        byte* p = (byte*)kernel;
        ref uint sequence = ref *(uint*)(p + VvarLayout.Sequence);
        long start = monotonic;
        double slope = nanosecondsPerTick;
        if (*(uint*)(p + VvarLayout.Valid) != 0 && (Volatile.Read(ref sequence) & 1) == 0)
        {
            ulong oldBase = *(ulong*)(p + VvarLayout.TscBase);
            ulong oldMultiplier = *(ulong*)(p + VvarLayout.Multiplier);
            ulong elapsed = tsc > oldBase ? tsc - oldBase : 0;
            ulong high = Math.BigMul(elapsed, oldMultiplier, out ulong low);
            long predicted = (long)(*(ulong*)(p + VvarLayout.MonotonicBase) + ((high << (64 - VvarLayout.MultiplierShift)) | (low >> VvarLayout.MultiplierShift)));
            long error = monotonic - predicted;
            if (Math.Abs(error) <= MaxSlewError)
            {
                start = predicted;
                slope = nanosecondsPerTick * (1 + Math.Clamp(error / Horizon, -MaxSlewRate, MaxSlewRate));
            }
        }

        _ = Interlocked.Increment(ref sequence); // odd: readers wait
        *(ulong*)(p + VvarLayout.TscBase) = tsc;
        *(ulong*)(p + VvarLayout.Multiplier) = (ulong)Math.Round(slope * FixedPointOne);
        *(long*)(p + VvarLayout.MonotonicBase) = start;
        long* offsets = (long*)(p + VvarLayout.Offsets);
        offsets[ClockRealtime] = realtimeOffset;
        offsets[ClockBoottime] = boottimeOffset;
        *(uint*)(p + VvarLayout.Valid) = 1;
        Volatile.Write(ref sequence, sequence + 1); // even again: the fields above are visible first (x86 keeps stores in order)
        return true;
    }

    /// <summary>Whether the guest's counter is the host's: the vCPU's IA32_TSC lies between two host readings.</summary>
    private static bool GuestCounterIsHosts(ICpu cpu)
    {
        if (cpu is not KvmCpu kvm || !HostTimestampCounter.TryRead(out ulong before))
        {
            return false;
        }

        bool read = kvm.Vcpu.TryReadTimestampCounter(out ulong guest);
        _ = HostTimestampCounter.TryRead(out ulong after);
        return read && guest >= before && guest <= after;
    }

    /// <summary>The counter and the host's MONOTONIC (ns), from the try whose counter readings around the clock were
    /// closest together, and the offsets of REALTIME and BOOTTIME from MONOTONIC (each read between two MONOTONIC
    /// readings, against their midpoint, again the narrowest of a few tries).</summary>
    /// <returns>False when every try was stretched by a preemption (the caller tries again later).</returns>
    private static bool TrySample(out ulong tsc, out long monotonic, out long realtimeOffset, out long boottimeOffset)
    {
        tsc = 0;
        monotonic = 0;
        ulong narrowest = ulong.MaxValue;
        for (int i = 0; i < SampleTries; i++)
        {
            _ = HostTimestampCounter.TryRead(out ulong before);
            long m = HostTimestampCounter.Monotonic();
            _ = HostTimestampCounter.TryRead(out ulong after);
            if (after >= before && after - before < narrowest)
            {
                narrowest = after - before;
                tsc = before + ((after - before) / 2);
                monotonic = m;
            }
        }

        bool realtimeKnown = TryOffsetFromMonotonic(HostTimestampCounter.Realtime, out realtimeOffset);
        bool boottimeKnown = TryOffsetFromMonotonic(HostTimestampCounter.Boottime, out boottimeOffset);
        return narrowest <= MaxBracketTicks && realtimeKnown && boottimeKnown;
    }

    private static bool TryOffsetFromMonotonic(Func<long> clock, out long offset)
    {
        offset = 0;
        long narrowest = long.MaxValue;
        for (int i = 0; i < SampleTries; i++)
        {
            long before = HostTimestampCounter.Monotonic();
            long value = clock();
            long after = HostTimestampCounter.Monotonic();
            if (after - before < narrowest)
            {
                narrowest = after - before;
                offset = value - (before + ((after - before) / 2));
            }
        }

        return narrowest <= MaxBracketNanoseconds;
    }
}
