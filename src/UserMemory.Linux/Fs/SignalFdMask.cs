using System.Threading;

namespace UserMemory.Linux.Fs;

/// <summary>The signal set of one <c>signalfd</c> open file description (bit N-1 for signal N; never SIGKILL or
/// SIGSTOP), shared by its duplicates; <c>signalfd4</c> on an existing descriptor replaces it.</summary>
/// <param name="initial">The first set.</param>
internal sealed class SignalFdMask(ulong initial)
{
    private ulong _value = initial;

    /// <summary>The set.</summary>
    internal ulong Value
    {
        get => Volatile.Read(ref _value);
        set => Volatile.Write(ref _value, value);
    }
}
