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
}
