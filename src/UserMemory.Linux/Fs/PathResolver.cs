using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>
/// Guest path resolution, component by component, as Linux's namei does it: relative paths start at the working
/// directory (or a directory descriptor), "." stays, ".." goes up and stays at the root, empty components ("//") are
/// ignored, and symbolic links are followed one component at a time (absolute targets restart at the guest's root,
/// at most <see cref="MaxLinks"/> links per lookup, else ELOOP). Each step asks whether the location so far is in a
/// synthetic mount (<c>/proc</c>, <c>/dev/fd</c>), so every spelling of a path (<c>/proc/./self</c>,
/// <c>//proc/self/../self</c>, a symlink into <c>/proc</c>, <c>/dev/fd/..</c>, a directory descriptor of <c>/proc</c>)
/// lands on the same node. Host components are looked at without following (<see cref="IPathLookup"/>); the host
/// call that finally uses the path goes through <see cref="FsContext"/>, which keeps it inside the root.
/// </summary>
public static class PathResolver
{
    /// <summary>Linux's limit on symbolic links followed in one lookup (MAXSYMLINKS).</summary>
    public const int MaxLinks = 40;

    /// <summary>Resolves <paramref name="path"/>.</summary>
    /// <param name="lookup">The host side.</param>
    /// <param name="scope">The calling process (for <c>/proc</c>).</param>
    /// <param name="start">The absolute guest directory relative paths start from.</param>
    /// <param name="path">The path the guest wrote (non-empty, no NUL).</param>
    /// <param name="followFinal">Follow a symbolic link in the last component (a trailing slash also does).</param>
    /// <returns>Where it landed.</returns>
    public static ResolvedPath Resolve(IPathLookup lookup, IProcScope scope, ReadOnlySpan<byte> start, ReadOnlySpan<byte> path, bool followFinal)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(scope);
        if (path.IsEmpty)
        {
            return ResolvedPath.Fail(-(long)LinuxError.ENOENT);
        }

        bool trailing = path[^1] == (byte)'/';
        bool follow = followFinal || trailing;
        List<byte[]> current = path[0] == (byte)'/' ? [] : PathText.Split(start);
        var pending = new List<byte[]>();
        Push(pending, path);
        int links = 0;
        int verified = 0; // pending components already known to be plain host directories (IsDirectoryChain)
        bool tryChain = true; // whether asking for the rest of the chain at once may still pay
        while (pending.Count > 0)
        {
            byte[] c = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            if (IsDot(c))
            {
                continue;
            }

            if (IsDotDot(c))
            {
                if (current.Count > 0)
                {
                    current.RemoveAt(current.Count - 1);
                }

                continue;
            }

            current.Add(c);
            bool last = pending.Count == 0;
            ResolvedPath here = Locate(scope, current);
            if (here.Kind == ResolvedKind.Error)
            {
                return here;
            }

            if (here.Kind == ResolvedKind.Synthetic)
            {
                ProcNode node = here.Node;
                if (node.IsLink && (!last || follow))
                {
                    if (++links > MaxLinks)
                    {
                        return ResolvedPath.Fail(-(long)LinuxError.ELOOP);
                    }

                    if (node.Kind == ProcNodeKind.FdLink)
                    {
                        if (last)
                        {
                            return new ResolvedPath(ResolvedKind.Descriptor, [], node, 0);
                        }

                        byte[]? dir = scope.DirectoryOf(node.Fd);
                        if (dir is null)
                        {
                            return ResolvedPath.Fail(-(long)LinuxError.ENOTDIR);
                        }

                        current = PathText.Split(dir);
                        tryChain = true;
                        continue;
                    }

                    current.RemoveAt(current.Count - 1);
                    byte[] target = LinkTarget(scope, node);
                    if (target.Length > 0 && target[0] == (byte)'/')
                    {
                        current.Clear();
                    }

                    Push(pending, target);
                    tryChain = true;
                    continue;
                }

                if (!node.IsDirectory && !node.IsLink && (!last || trailing))
                {
                    return ResolvedPath.Fail(-(long)LinuxError.ENOTDIR);
                }

                if (last)
                {
                    return here;
                }

                continue;
            }

            if (last && !follow)
            {
                return WithTrailing(here, trailing);
            }

            if (!last && here.Kind == ResolvedKind.Host)
            {
                if (verified > 0)
                {
                    verified--;
                    continue;
                }

                if (tryChain)
                {
                    tryChain = false;
                    int more = VerifiedChain(lookup, current, pending);
                    if (more >= 0)
                    {
                        verified = more;
                        continue;
                    }
                }
            }

            long r = lookup.Inspect(here.Path, here.Kind == ResolvedKind.HostProc, out HostNodeType type, out byte[] linkTarget);
            if (r < 0)
            {
                return last ? WithTrailing(here, trailing) : ResolvedPath.Fail(r);
            }

            if (type == HostNodeType.Link)
            {
                if (++links > MaxLinks)
                {
                    return ResolvedPath.Fail(-(long)LinuxError.ELOOP);
                }

                if (linkTarget.Length == 0)
                {
                    return ResolvedPath.Fail(-(long)LinuxError.ENOENT);
                }

                current.RemoveAt(current.Count - 1);
                if (linkTarget[0] == (byte)'/')
                {
                    current.Clear();
                }

                Push(pending, linkTarget);
                tryChain = true;
                continue;
            }

            if (!last && type != HostNodeType.Directory)
            {
                return ResolvedPath.Fail(-(long)LinuxError.ENOTDIR);
            }

            if (last)
            {
                return WithTrailing(here, trailing);
            }
        }

        // The path ended in ".", ".." or "/": the current directory itself.
        ResolvedPath end = Locate(scope, current);
        return end.Kind == ResolvedKind.Synthetic && !end.Node.IsDirectory ? ResolvedPath.Fail(-(long)LinuxError.ENOTDIR) : end;
    }

    /// <summary>The target a synthetic (non-magic) link names.</summary>
    /// <param name="scope">The calling process.</param>
    /// <param name="node">The link.</param>
    /// <returns>The target bytes.</returns>
    public static byte[] LinkTarget(IProcScope scope, ProcNode node)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return node.Kind switch
        {
            ProcNodeKind.SelfLink => Ascii(node.Pid.ToString(CultureInfo.InvariantCulture)),
            ProcNodeKind.ThreadSelfLink => Ascii(string.Create(CultureInfo.InvariantCulture, $"{node.Pid}/task/{node.Tid}")),
            ProcNodeKind.DevFdLink => "/proc/self/fd"u8.ToArray(),
            ProcNodeKind.Executable => scope.ExecutablePath,
            ProcNodeKind.WorkingDirectory => scope.WorkingDirectory,
            ProcNodeKind.RootLink => "/"u8.ToArray(),
            _ => [],
        };
    }

    /// <summary>Asks the host once whether the directory being entered and the plain names after it (up to the last
    /// component, a "." or a "..") are all directories reached without a link, instead of one look per component:
    /// a lookup walks the whole path each time, so the looks cost the square of the depth. Only paths outside the
    /// synthetic mounts qualify (a mount holds everything below it, so the longest prefix decides).</summary>
    /// <returns>How many of the following pending components the answer covers (the entered one is covered too), or
    /// -1 when the components must be looked at one by one.</returns>
    private static int VerifiedChain(IPathLookup lookup, List<byte[]> current, List<byte[]> pending)
    {
        int more = 0;
        for (int i = pending.Count - 1; i > 0 && !IsDot(pending[i]) && !IsDotDot(pending[i]); i--)
        {
            more++;
        }

        if (more == 0)
        {
            return -1; // one component: one look either way
        }

        var chain = new List<byte[]>(current.Count + more);
        chain.AddRange(current);
        for (int i = 0; i < more; i++)
        {
            chain.Add(pending[pending.Count - 1 - i]);
        }

        return !ProcFileSystem.IsInMount(chain) && lookup.IsDirectoryChain(PathText.Join(chain)) ? more : -1;
    }

    private static ResolvedPath Locate(IProcScope scope, List<byte[]> current) =>
        ProcFileSystem.IsInMount(current)
            ? ProcFileSystem.Classify(scope, current)
            : new ResolvedPath(ResolvedKind.Host, PathText.Join(current), default, 0);

    private static ResolvedPath WithTrailing(ResolvedPath r, bool trailing) =>
        trailing && r.Path.Length > 1 ? r with { Path = [.. r.Path, (byte)'/'] } : r;

    private static void Push(List<byte[]> pending, ReadOnlySpan<byte> path)
    {
        List<byte[]> parts = PathText.Split(path);
        for (int i = parts.Count - 1; i >= 0; i--)
        {
            pending.Add(parts[i]);
        }
    }

    private static bool IsDot(byte[] c) => c.Length == 1 && c[0] == (byte)'.';

    private static bool IsDotDot(byte[] c) => c.Length == 2 && c[0] == (byte)'.' && c[1] == (byte)'.';

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);
}
