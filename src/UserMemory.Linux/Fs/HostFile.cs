namespace UserMemory.Linux.Fs;

/// <summary>An open file description backed by a host descriptor opened on the guest's behalf. Each guest number
/// owns its own host descriptor (a guest <c>dup</c> is a host <c>dup</c>, which shares the host's description, offset
/// and flags, as Linux does).</summary>
/// <param name="hostFd">The host descriptor (owned).</param>
public sealed class HostFile(int hostFd) : OpenFile
{
    /// <inheritdoc/>
    public override int HostFd { get; } = hostFd;

    private const int Unknown = 0;
    private const int Stream = 1;
    private const int NotStream = 2;

    private int _streamKind;

    /// <summary>True when the host descriptor is a pipe, a FIFO or a socket (<see cref="Interop.HostLinux.IsStream"/>),
    /// found once with <c>fstat</c>: a descriptor's file type never changes.</summary>
    internal bool IsStream
    {
        get
        {
            int kind = System.Threading.Volatile.Read(ref _streamKind);
            if (kind == Unknown)
            {
                kind = Interop.HostLinux.IsStream(HostFd) ? Stream : NotStream;
                System.Threading.Volatile.Write(ref _streamKind, kind);
            }

            return kind == Stream;
        }
    }

    /// <summary>The guest path it was opened by, kept only when the host cannot name it (a path of PATH_MAX bytes or
    /// more, which <c>/proc/self/fd</c> does not show): relative lookups from a deep directory descriptor start
    /// there. Null otherwise.</summary>
    internal byte[]? LongPath { get; init; }
}
