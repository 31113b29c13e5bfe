namespace UserMemory.Linux.Fs;

/// <summary>An open file description backed by a host descriptor opened on the guest's behalf. Each guest number
/// owns its own host descriptor (a guest <c>dup</c> is a host <c>dup</c>, which shares the host's description, offset
/// and flags, as Linux does).</summary>
/// <param name="hostFd">The host descriptor (owned).</param>
public sealed class HostFile(int hostFd) : OpenFile
{
    /// <inheritdoc/>
    public override int HostFd { get; } = hostFd;

    /// <summary>Not looked at yet (no real file type has all bits of <see cref="Interop.HostLinux.FileTypeMask"/>
    /// above the mask).</summary>
    private const uint Unknown = uint.MaxValue;

    private uint _fileType = Unknown;

    /// <summary>The host descriptor's file type (<c>st_mode &amp; S_IFMT</c>), found once with <c>fstat</c>: a
    /// descriptor's file type never changes.</summary>
    internal uint FileType
    {
        get
        {
            uint type = System.Threading.Volatile.Read(ref _fileType);
            if (type == Unknown)
            {
                type = Interop.HostLinux.FileType(HostFd);
                System.Threading.Volatile.Write(ref _fileType, type);
            }

            return type;
        }
    }

    /// <summary>True when the host descriptor is a pipe, a FIFO or a socket (<see cref="Interop.HostLinux.IsStream"/>).</summary>
    internal bool IsStream => FileType is Interop.HostLinux.FifoFileType or Interop.HostLinux.SocketFileType;

    /// <summary>True when the host descriptor is a directory.</summary>
    internal bool IsDirectory => FileType == Interop.HostLinux.DirectoryFileType;

    /// <summary>The guest path it was opened by, kept only when the host cannot name it (a path of PATH_MAX bytes or
    /// more, which <c>/proc/self/fd</c> does not show): relative lookups from a deep directory descriptor start
    /// there. Null otherwise.</summary>
    internal byte[]? LongPath { get; init; }
}
