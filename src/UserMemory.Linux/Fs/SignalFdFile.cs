namespace UserMemory.Linux.Fs;

/// <summary>
/// An open file description of a guest <c>signalfd</c>: reads take the guest's pending signals of
/// <see cref="Mask"/> (the Signals room answers them, <c>SignalFdSyscalls</c>). The host descriptor behind it is an
/// <c>eventfd</c> the runner keeps readable exactly while a signal of the mask is pending
/// (<c>Signals.SignalFdReadiness</c>), so the host's poll, select and epoll report the guest's readiness and the
/// eventfd's status flags are the description's (O_NONBLOCK, F_GETFL/F_SETFL). A guest <c>dup</c> gets a host
/// <c>dup</c> of the eventfd sharing this description's <see cref="SignalFdMask"/>.
/// </summary>
/// <param name="hostFd">The host eventfd (owned).</param>
/// <param name="mask">The signals this description reports (shared with its duplicates).</param>
internal sealed class SignalFdFile(int hostFd, SignalFdMask mask) : OpenFile
{
    /// <inheritdoc/>
    public override int HostFd { get; } = hostFd;

    /// <summary>The signals this description reports.</summary>
    internal SignalFdMask Mask { get; } = mask;
}
