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
}
