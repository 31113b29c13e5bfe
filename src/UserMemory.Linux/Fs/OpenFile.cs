namespace UserMemory.Linux.Fs;

/// <summary>
/// An open file description: what a guest descriptor number refers to. Either a host descriptor the runner opened for
/// the guest (<see cref="HostFile"/>) or a file the runner synthesizes from guest state (<see cref="SyntheticFile"/>).
/// The runner's own descriptors (address-space memfd, hand-off pipes, trace output, the .NET runtime's) are never
/// wrapped in one, so no guest number can reach them.
/// </summary>
public abstract class OpenFile
{
    /// <summary>The host descriptor behind this description, or -1 for a synthetic file.</summary>
    public abstract int HostFd { get; }
}
