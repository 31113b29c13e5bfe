namespace UserMemory.Linux.Fs;

/// <summary>Where a guest path landed.</summary>
public enum ResolvedKind
{
    /// <summary>The lookup failed (<see cref="ResolvedPath.Error"/>).</summary>
    Error = 0,

    /// <summary>A path on the guest's file system (inside the root), served by the host.</summary>
    Host,

    /// <summary>A path in the host's <c>/proc</c> the guest may read (host facts), outside any root.</summary>
    HostProc,

    /// <summary>A synthetic node (<see cref="ResolvedPath.Node"/>), not followed when it is a link.</summary>
    Synthetic,

    /// <summary>A followed <c>fd/N</c> magic link: the guest's open descriptor <see cref="ResolvedPath.Fd"/> itself.</summary>
    Descriptor,
}
