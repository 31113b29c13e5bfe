using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>The result of resolving a guest path.</summary>
/// <param name="Kind">Where it landed.</param>
/// <param name="Path">For <see cref="ResolvedKind.Host"/> the absolute guest path (every symbolic link expanded except
/// a final one not followed), for <see cref="ResolvedKind.HostProc"/> the absolute host path; with a trailing slash
/// when the guest wrote one (the object must be a directory).</param>
/// <param name="Node">The synthetic node.</param>
/// <param name="Error">The negative errno for <see cref="ResolvedKind.Error"/>.</param>
public readonly record struct ResolvedPath(ResolvedKind Kind, byte[] Path, ProcNode Node, long Error)
{
    /// <summary>The guest descriptor of a followed magic link.</summary>
    public int Fd => Node.Fd;

    /// <summary>A failed lookup.</summary>
    /// <param name="error">The negative errno.</param>
    /// <returns>The result.</returns>
    public static ResolvedPath Fail(long error) => new(ResolvedKind.Error, [], default, error);
}
