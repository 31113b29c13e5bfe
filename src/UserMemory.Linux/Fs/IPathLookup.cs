namespace UserMemory.Linux.Fs;

/// <summary>The host side of path resolution: what one path names, without following it.</summary>
public interface IPathLookup
{
    /// <summary>Looks at one path without following it.</summary>
    /// <param name="path">The absolute guest path (or host path when <paramref name="hostProc"/>).</param>
    /// <param name="hostProc">True for a path in the host's <c>/proc</c>.</param>
    /// <param name="type">What it is.</param>
    /// <param name="target">A link's target.</param>
    /// <returns>0 or -errno (ENOENT, EACCES, ENOTDIR...).</returns>
    long Inspect(System.ReadOnlySpan<byte> path, bool hostProc, out HostNodeType type, out byte[] target);

    /// <summary>Whether every component of <paramref name="path"/> is a directory reached without any symbolic link,
    /// asked in one go: true lets the resolver skip <see cref="Inspect"/> for each of them. False means "do not
    /// know" (a link on the way, a missing or unsearchable component, or no such check on this host), and the resolver
    /// looks at the components one by one, so the answer only ever saves work.</summary>
    /// <param name="path">An absolute guest path of plain names (no "." or ".." components), outside any synthetic
    /// mount.</param>
    /// <returns>True when all of it is plain directories.</returns>
    bool IsDirectoryChain(System.ReadOnlySpan<byte> path) => false;
}
