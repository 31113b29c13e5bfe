using System;
using System.Buffers.Binary;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Fs;

/// <summary>
/// A guest process's view of the file system: its working directory (a guest path), its root (the host directory
/// every guest path lives in: "/" by default, <c>--root DIR</c> to confine) and whether writes are refused
/// (<c>--read-only</c>). The host's working directory follows the guest's where it can, so a new runner process (fork,
/// execve) starts in the same place.
/// </summary>
public sealed class FsContext : IPathLookup
{
    /// <summary><c>RESOLVE_NO_MAGICLINKS</c>.</summary>
    internal const long ResolveNoMagicLinks = 0x02;

    /// <summary><c>RESOLVE_IN_ROOT</c>.</summary>
    internal const long ResolveInRoot = 0x10;

    /// <summary><c>RESOLVE_BENEATH</c>.</summary>
    internal const long ResolveBeneath = 0x08;

    /// <summary><c>RESOLVE_NO_SYMLINKS</c>: fail with ELOOP at any symbolic link.</summary>
    internal const long ResolveNoSymlinks = 0x04;

    /// <summary>AT_FDCWD.</summary>
    private const long AtFdCwd = -100;

    private const int OpenHowSize = 24;
    /// <summary>PATH_MAX: the longest path one host call takes, NUL included.</summary>
    internal const int HostPathMax = 4096;
    private const int StatSize = 144;
    private const int StatModeOffset = 24;
    private const uint FileTypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint LinkType = 0xA000;

    /// <summary>The suffix Linux gives the link text of a descriptor whose file was removed.</summary>
    private static ReadOnlySpan<byte> DeletedSuffix => " (deleted)"u8;

    private byte[] cwd;

    /// <summary>The host descriptor (O_PATH) of the working directory, or -1 when it has none (a synthetic or host
    /// /proc directory, or not tracked yet). Linux holds the working directory as a directory, not a name: a rename
    /// of it or of any directory above it moves it along, and <see cref="Cwd"/> follows through this descriptor.</summary>
    private int cwdFd = -1;

    private FsContext(int rootFd, byte[] hostRoot, bool readOnly, byte[] cwd)
    {
        RootFd = rootFd;
        HostRoot = hostRoot;
        ReadOnly = readOnly;
        this.cwd = cwd;
    }

    /// <summary>A copy for a thread that leaves the shared context (<c>unshare(CLONE_FS)</c>): the same root (its
    /// descriptor stays owned by the group's context) and a working directory that changes on its own from now.</summary>
    /// <returns>The copy.</returns>
    internal FsContext CopyForThread()
    {
        FsContext copy = new(RootFd, HostRoot, ReadOnly, Cwd);
        if (cwdFd >= 0)
        {
            long dup = HostLinux.Syscall((long)SyscallNumber.Fcntl, cwdFd, (long)FcntlCommand.DupFdCloseOnExec, 0);
            copy.cwdFd = dup < 0 ? -1 : (int)dup;
        }

        return copy;
    }

    /// <summary>The host descriptor of the root directory (O_PATH), or -1 when the root is the host's "/".</summary>
    public int RootFd { get; }

    /// <summary>True when guest paths are confined to a host directory.</summary>
    public bool IsConfined => RootFd >= 0;

    /// <summary>The host path of the root, without a trailing slash ("" for the host's "/").</summary>
    public byte[] HostRoot { get; }

    /// <summary>True when every change to the file system answers EROFS.</summary>
    public bool ReadOnly { get; }

    /// <summary>The guest's working directory: an absolute guest path without trailing slash ("/" for the root).
    /// While the directory is held by a host descriptor, this is the name it has now (a rename moves it along, as on
    /// Linux); the name it was entered by stays when it has none the guest can see (removed, outside the root, longer
    /// than the host names). Setting it drops the descriptor.</summary>
    public byte[] Cwd
    {
        get
        {
            if (cwdFd >= 0)
            {
                byte[] now = HostPathOf(cwdFd);
                if (!now.AsSpan().EndsWith(DeletedSuffix) && GuestPathOfHost(now) is byte[] guest)
                {
                    cwd = guest;
                }
            }

            return cwd;
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            ChangeWorkingDirectory(value, -1);
        }
    }

    /// <summary>Sets the working directory and the host descriptor that holds it (taken over; -1 for none).</summary>
    /// <param name="guestPath">The absolute guest path, without trailing slash.</param>
    /// <param name="hostDirFd">An O_PATH descriptor of the directory, or -1.</param>
    internal void ChangeWorkingDirectory(byte[] guestPath, long hostDirFd)
    {
        Release(cwdFd);
        cwd = guestPath;
        cwdFd = hostDirFd < 0 ? -1 : (int)hostDirFd;
    }

    /// <summary>Closes the descriptor that holds the working directory (the process is gone: an <c>execve</c> inside
    /// the runner built a new context from the host's working directory).</summary>
    internal void ReleaseWorkingDirectory()
    {
        Release(cwdFd);
        cwdFd = -1;
    }

    /// <summary>Starts holding the host's working directory by a descriptor when it is the guest's (the runner's
    /// start: the host's working directory follows the guest's).</summary>
    internal void HoldHostWorkingDirectory()
    {
        long fd = HostLinux.Syscall((long)SyscallNumber.Open, ".\0"u8.ToArray(), 0, [0, (long)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec)]);
        if (fd < 0)
        {
            return;
        }

        byte[]? guest = GuestPathOfHost(HostPathOf((int)fd));
        if (guest is null || !guest.AsSpan().SequenceEqual(cwd))
        {
            Release(fd);
            return;
        }

        Release(cwdFd);
        cwdFd = (int)fd;
    }

    /// <summary>Creates the context from the runner's options; the working directory is the host's, seen from the
    /// root ("/" when the host's lies outside it).</summary>
    /// <param name="options">The runner's options.</param>
    /// <returns>The context.</returns>
    /// <exception cref="System.IO.DirectoryNotFoundException">The root does not name a directory.</exception>
    public static FsContext Create(RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        byte[] hostCwd = HostCwd();
        if (string.IsNullOrEmpty(options.Root))
        {
            return new FsContext(-1, [], options.ReadOnly, hostCwd.Length == 0 ? "/"u8.ToArray() : hostCwd);
        }

        byte[] rootPath = Encoding.UTF8.GetBytes(options.Root + "\0");
        long fd = HostLinux.Syscall((long)SyscallNumber.Open, rootPath, 0, [0, (long)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec)]);
        if (fd < 0)
        {
            throw new System.IO.DirectoryNotFoundException("--root " + options.Root + ": not a directory");
        }

        byte[] resolvedRoot = HostPathOf((int)fd);
        byte[] root = resolvedRoot.Length == 1 ? [] : resolvedRoot;
        byte[] cwd = "/"u8.ToArray();
        if (hostCwd.AsSpan().StartsWith(root) && (hostCwd.Length == root.Length || hostCwd[root.Length] == (byte)'/'))
        {
            cwd = hostCwd.Length == root.Length ? cwd : hostCwd[root.Length..];
        }
        else
        {
            HostLinux.Syscall((long)SyscallNumber.Fchdir, fd);
        }

        return new FsContext((int)fd, root, options.ReadOnly, cwd);
    }

    /// <summary>A context on the host's own file system with <paramref name="cwd"/> as working directory (tests).</summary>
    /// <param name="cwd">The working directory.</param>
    /// <returns>The context.</returns>
    public static FsContext ForHost(byte[] cwd) => new(-1, [], false, cwd);

    /// <summary>The host path a descriptor was opened on (the host's <c>/proc/self/fd/N</c> link), or "" when it has
    /// none.</summary>
    /// <param name="hostFd">The host descriptor.</param>
    /// <returns>The path bytes, without NUL.</returns>
    public static byte[] HostPathOf(int hostFd)
    {
        byte[] link = HostLinux.SelfFdPath(hostFd);
        byte[] buffer = new byte[HostPathMax];
        long n = HostLinux.Syscall((long)SyscallNumber.Readlinkat, link, 1, buffer, 2, [-100, 0, 0, buffer.Length]);
        return n <= 0 ? [] : buffer.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>The guest's name for a host path: the path seen from the root, or null when it lies outside the root
    /// (or is not a path at all, like <c>pipe:[123]</c>).</summary>
    /// <param name="hostPath">The host path.</param>
    /// <returns>The guest path, or null.</returns>
    public byte[]? GuestPathOfHost(byte[] hostPath)
    {
        ArgumentNullException.ThrowIfNull(hostPath);
        if (hostPath.Length == 0 || hostPath[0] != (byte)'/')
        {
            return null;
        }

        if (!IsConfined)
        {
            return hostPath;
        }

        if (!hostPath.AsSpan().StartsWith(HostRoot) || (hostPath.Length > HostRoot.Length && hostPath[HostRoot.Length] != (byte)'/'))
        {
            return null;
        }

        return hostPath.Length == HostRoot.Length ? "/"u8.ToArray() : hostPath[HostRoot.Length..];
    }

    /// <summary>Opens a resolved guest path on the host: <c>openat2</c> with <c>RESOLVE_IN_ROOT</c> on the root
    /// descriptor when confined (so no symlink or <c>..</c> swapped in by a race can leave the root), plain
    /// <c>openat</c> otherwise.</summary>
    /// <param name="guestPath">The absolute guest path (no NUL).</param>
    /// <param name="flags">The host open flags.</param>
    /// <param name="mode">The creation mode.</param>
    /// <returns>The host descriptor or -errno.</returns>
    public long OpenHost(ReadOnlySpan<byte> guestPath, long flags, long mode)
    {
        long r = Anchor(guestPath, out long dirFd, out ReadOnlySpan<byte> rest);
        if (r < 0)
        {
            return r;
        }

        try
        {
            return OpenBelow(dirFd, rest, flags, mode);
        }
        finally
        {
            ReleaseAnchor(dirFd);
        }
    }

    /// <summary>Opens <paramref name="rest"/> below <paramref name="dirFd"/>: relative to AT_FDCWD (or the absolute
    /// path) unconfined; confined, <c>openat2</c> with <c>RESOLVE_IN_ROOT</c> from the root descriptor, or with
    /// <c>RESOLVE_BENEATH</c> from a directory <see cref="Anchor"/> opened inside the root.</summary>
    private long OpenBelow(long dirFd, ReadOnlySpan<byte> rest, long flags, long mode)
    {
        if (!IsConfined)
        {
            return HostLinux.Syscall((long)SyscallNumber.Openat, WithNul(rest), 1, [dirFd, 0, flags, mode]);
        }

        byte[] relative = WithNul(Relative(rest));
        byte[] how = new byte[OpenHowSize];
        BitConverter.TryWriteBytes(how.AsSpan(0), (ulong)flags);
        BitConverter.TryWriteBytes(how.AsSpan(8), (ulong)mode);
        BitConverter.TryWriteBytes(how.AsSpan(16), (ulong)((dirFd == RootFd ? ResolveInRoot : ResolveBeneath) | ResolveNoMagicLinks));
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat2, relative, 1, how, 2, [dirFd, 0, 0, OpenHowSize]);
        if (fd != -(long)LinuxError.ENOSYS)
        {
            return fd;
        }

        // No openat2: the resolver already expanded every symbolic link inside the root; refuse any the host would
        // still follow on the final component.
        return HostLinux.Syscall((long)SyscallNumber.Openat, relative, 1, [dirFd, 0, flags | (long)OpenFlags.NoFollow, mode]);
    }

    /// <summary>Where a host call on <paramref name="guestPath"/> starts. A path the host accepts whole (shorter than
    /// PATH_MAX with the root in front) starts at AT_FDCWD (the absolute path) or the root descriptor. A longer one,
    /// which Linux reaches fine through a working directory or directory descriptors but which no single host call
    /// takes, is walked in pieces: each piece of whole components shorter than PATH_MAX is opened as an <c>O_PATH</c>
    /// directory below the previous one, and the call starts at the last with the remainder.</summary>
    /// <param name="guestPath">The absolute guest path (no NUL).</param>
    /// <param name="dirFd">Where to start: AT_FDCWD, the root descriptor, or an opened directory (release it with
    /// <see cref="ReleaseAnchor"/>).</param>
    /// <param name="rest">The path below <paramref name="dirFd"/> (absolute when <paramref name="dirFd"/> is AT_FDCWD).</param>
    /// <returns>0 or -errno (ENAMETOOLONG for a component the host refuses on its own, what opening a piece answers).</returns>
    private long Anchor(ReadOnlySpan<byte> guestPath, out long dirFd, out ReadOnlySpan<byte> rest)
    {
        dirFd = IsConfined ? RootFd : AtFdCwd;
        rest = guestPath;
        while (HostRoot.Length + rest.Length >= HostPathMax)
        {
            // The longest prefix of whole components that fits, cut at a slash (never the leading one alone).
            int cut = rest[..(HostPathMax - 1 - HostRoot.Length)].LastIndexOf((byte)'/');
            if (cut <= 0)
            {
                ReleaseAnchor(dirFd);
                dirFd = AtFdCwd;
                return -(long)LinuxError.ENAMETOOLONG;
            }

            long next = OpenBelow(dirFd, rest[..cut], (long)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec), 0);
            ReleaseAnchor(dirFd);
            if (next < 0)
            {
                dirFd = AtFdCwd;
                return next;
            }

            dirFd = next;
            rest = rest[(cut + 1)..];
            if (rest.IsEmpty)
            {
                rest = "."u8;
            }
        }

        return 0;
    }

    /// <summary>Closes a directory <see cref="Anchor"/> opened (AT_FDCWD and the root descriptor stay).</summary>
    private void ReleaseAnchor(long dirFd)
    {
        if (dirFd != RootFd)
        {
            Release(dirFd);
        }
    }

    /// <summary>The host (directory descriptor, name) pair for a *at syscall on a resolved guest path. Unconfined:
    /// (AT_FDCWD, the path). Confined: the parent directory opened with <c>RESOLVE_IN_ROOT</c> and the last
    /// component, so the host call cannot leave the root whatever a race changed.</summary>
    /// <param name="guestPath">The absolute guest path (no NUL).</param>
    /// <param name="dirFd">The host directory descriptor (close it with <see cref="Release"/>).</param>
    /// <param name="name">The NUL-terminated name relative to <paramref name="dirFd"/>.</param>
    /// <returns>0 or -errno.</returns>
    public long HostLocation(ReadOnlySpan<byte> guestPath, out long dirFd, out byte[] name)
    {
        if (!IsConfined && guestPath.Length < HostPathMax)
        {
            dirFd = AtFdCwd;
            name = WithNul(guestPath);
            return 0;
        }

        ReadOnlySpan<byte> trimmed = guestPath;
        while (trimmed.Length > 1 && trimmed[^1] == (byte)'/')
        {
            trimmed = trimmed[..^1];
        }

        int slash = trimmed.LastIndexOf((byte)'/');
        ReadOnlySpan<byte> parent = slash <= 0 ? "/"u8 : trimmed[..slash];
        ReadOnlySpan<byte> last = trimmed[(slash + 1)..];
        bool trailing = trimmed.Length < guestPath.Length;
        name = last.Length == 0 ? [(byte)'.', 0] : trailing ? [.. last, (byte)'/', 0] : WithNul(last);
        dirFd = OpenHost(parent, (long)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec), 0);
        return dirFd < 0 ? dirFd : 0;
    }

    /// <summary>Closes a directory descriptor <see cref="HostLocation"/> opened.</summary>
    /// <param name="dirFd">The descriptor (AT_FDCWD is left alone).</param>
    public static void Release(long dirFd)
    {
        if (dirFd >= 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, dirFd);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Every component before the last has already been checked to be a directory, not a link. Confined,
    /// the lookup is relative to the root descriptor; a race that swaps a checked directory for a link can only
    /// mislead this look (what is reported), never a host call that opens or changes anything, which goes through
    /// <see cref="OpenHost"/> or <see cref="HostLocation"/>.</remarks>
    public long Inspect(ReadOnlySpan<byte> path, bool hostProc, out HostNodeType type, out byte[] target)
    {
        type = HostNodeType.Other;
        target = [];
        long dirFd = AtFdCwd;
        ReadOnlySpan<byte> rest = path;
        if (!hostProc)
        {
            long anchored = Anchor(path, out dirFd, out rest);
            if (anchored < 0)
            {
                return anchored;
            }
        }

        try
        {
            return InspectBelow(dirFd, dirFd == RootFd ? Relative(rest) : rest, out type, out target);
        }
        finally
        {
            ReleaseAnchor(dirFd);
        }
    }

    /// <inheritdoc/>
    /// <remarks>One <c>openat2</c> of the path as an <c>O_PATH</c> directory with <c>RESOLVE_NO_SYMLINKS</c> (inside
    /// the root when confined), closed at once. Like <see cref="Inspect"/> it is a look only.</remarks>
    public bool IsDirectoryChain(ReadOnlySpan<byte> path)
    {
        if (Anchor(path, out long dirFd, out ReadOnlySpan<byte> rest) < 0)
        {
            return false;
        }

        try
        {
            Span<byte> how = stackalloc byte[OpenHowSize];
            how.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(how, (ulong)(OpenFlags.Path | OpenFlags.Directory | OpenFlags.CloseOnExec));
            long resolve = ResolveNoSymlinks | (dirFd == AtFdCwd ? 0 : dirFd == RootFd ? ResolveInRoot : ResolveBeneath);
            BinaryPrimitives.WriteUInt64LittleEndian(how[(2 * sizeof(ulong))..], (ulong)resolve);
            byte[] name = WithNul(dirFd == AtFdCwd ? rest : Relative(rest));
            long fd = HostLinux.Syscall((long)SyscallNumber.Openat2, name, 1, how, 2, [dirFd, 0, 0, OpenHowSize]);
            Release(fd);
            return fd >= 0;
        }
        finally
        {
            ReleaseAnchor(dirFd);
        }
    }

    /// <summary>Whether <paramref name="guestPath"/> names a FIFO on the host: one <c>newfstatat</c>, a look only
    /// (as <see cref="Inspect"/>; an open that acts on the answer still goes through <see cref="OpenHost"/>).</summary>
    /// <param name="guestPath">The resolved absolute guest path (no NUL).</param>
    /// <param name="follow">Whether a symbolic link in the last component is followed.</param>
    /// <returns>True for a FIFO; false otherwise or when the look fails.</returns>
    internal bool IsFifo(ReadOnlySpan<byte> guestPath, bool follow)
    {
        if (Anchor(guestPath, out long dirFd, out ReadOnlySpan<byte> rest) < 0)
        {
            return false;
        }

        try
        {
            byte[] stat = new byte[StatSize];
            long r = HostLinux.Syscall((long)SyscallNumber.Newfstatat, WithNul(dirFd == RootFd ? Relative(rest) : rest), 1, stat, 2, [dirFd, 0, 0, follow ? 0 : (long)AtFlags.SymlinkNoFollow]);
            return r == 0 && (BitConverter.ToUInt32(stat, StatModeOffset) & FileTypeMask) == HostLinux.FifoFileType;
        }
        finally
        {
            ReleaseAnchor(dirFd);
        }
    }

    private static long InspectBelow(long dirFd, ReadOnlySpan<byte> rest, out HostNodeType type, out byte[] target)
    {
        type = HostNodeType.Other;
        target = [];
        byte[] hostPath = WithNul(rest);
        byte[] stat = new byte[StatSize];
        long r = HostLinux.Syscall((long)SyscallNumber.Newfstatat, hostPath, 1, stat, 2, [dirFd, 0, 0, (long)AtFlags.SymlinkNoFollow]);
        if (r < 0)
        {
            return r;
        }

        uint fileType = BitConverter.ToUInt32(stat, StatModeOffset) & FileTypeMask;
        type = fileType == DirectoryType ? HostNodeType.Directory : fileType == LinkType ? HostNodeType.Link : HostNodeType.Other;
        if (type != HostNodeType.Link)
        {
            return 0;
        }

        byte[] buffer = new byte[HostPathMax];
        r = HostLinux.Syscall((long)SyscallNumber.Readlinkat, hostPath, 1, buffer, 2, [dirFd, 0, 0, buffer.Length]);
        if (r < 0)
        {
            return r;
        }

        target = buffer.AsSpan(0, (int)r).ToArray();
        return 0;
    }

    private static ReadOnlySpan<byte> Relative(ReadOnlySpan<byte> guestPath)
    {
        ReadOnlySpan<byte> p = guestPath.TrimStart((byte)'/');
        return p.IsEmpty ? "."u8 : p;
    }

    private static byte[] WithNul(ReadOnlySpan<byte> s)
    {
        byte[] b = new byte[s.Length + 1];
        s.CopyTo(b);
        return b;
    }

    private static byte[] HostCwd()
    {
        byte[] buffer = new byte[HostPathMax];
        long n = HostLinux.Syscall((long)SyscallNumber.Getcwd, buffer, 0, [0, buffer.Length]);
        return n <= 1 ? "/"u8.ToArray() : buffer.AsSpan(0, (int)n - 1).ToArray();
    }
}
