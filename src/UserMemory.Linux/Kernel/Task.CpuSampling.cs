using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Kernel;

public sealed partial class Task
{
    /// <summary>This thread's host CPU time (user and system, ns) when <see cref="CpuTimeSampler"/> last looked.</summary>
    internal long SampledCpuTime { get; set; }

    /// <summary>This thread's host user CPU time (ns) when <see cref="CpuTimeSampler"/> last looked, for
    /// <c>ITIMER_VIRTUAL</c>, which counts user time only.</summary>
    internal long SampledUserTime { get; set; }

    /// <summary>How busy this thread has been lately by <see cref="SampledCpuTime"/>: the CPU time of the last sample
    /// period plus half the previous score.</summary>
    internal long CpuTimeScore { get; set; }

    /// <summary>The same as <see cref="CpuTimeScore"/> for user time.</summary>
    internal long UserTimeScore { get; set; }

    /// <summary>True while this thread sleeps in a host wait for the guest (<see cref="InterruptibleWait"/>): it is
    /// not using the CPU, whatever its host thread spent lately on the runner's own work there (draining forwarded
    /// signals), so <see cref="CpuTimeSampler"/> aims CPU-time signals elsewhere when another thread can take them,
    /// as Linux's tick finds the expiry in the running thread.</summary>
    internal bool IsSleeping
    {
        get => System.Threading.Volatile.Read(ref _isSleeping);
        set => System.Threading.Volatile.Write(ref _isSleeping, value);
    }

    private bool _isSleeping;
}
