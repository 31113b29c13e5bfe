using System;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Fs.Proc;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Fs;

/// <summary>The syscall layer's entry to path resolution: guest path bytes and a directory descriptor in, a
/// <see cref="ResolvedPath"/> out.</summary>
internal static class FsPaths
{
    private const int AtFdCwd = -100;

    /// <summary>Copies a NUL-terminated path in from guest memory (bounded by PATH_MAX), as the guest wrote it.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="address">The guest pointer.</param>
    /// <param name="allowEmpty">Accept "" (AT_EMPTY_PATH); otherwise "" is ENOENT.</param>
    /// <param name="path">The path without NUL.</param>
    /// <returns>0, or -EFAULT / -ENAMETOOLONG / -ENOENT.</returns>
    internal static long Read(Task t, ulong address, bool allowEmpty, out byte[] path)
    {
        UserResult<byte[]> copied = UserCopy.CopyPathFromUser(t.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), allowEmpty);
        if (!copied.TryGetValue(out byte[]? bytes))
        {
            path = [];
            return -(long)copied.Error;
        }

        path = bytes;
        return 0;
    }

    /// <summary>Resolves <paramref name="path"/> relative to <paramref name="dirFd"/> (AT_FDCWD: the working
    /// directory; ignored for absolute paths).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="dirFd">The directory descriptor argument.</param>
    /// <param name="path">The path (non-empty).</param>
    /// <param name="follow">Follow a final symbolic link.</param>
    /// <returns>Where it landed (EBADF for a closed descriptor, ENOTDIR for one that is not a directory).</returns>
    internal static ResolvedPath Resolve(Task t, long dirFd, byte[] path, bool follow)
    {
        bool relative = path.Length > 0 && path[0] != (byte)'/';
        byte[] start = [];
        if (relative && (int)dirFd == AtFdCwd)
        {
            start = t.Fs.Cwd; // a readlink of the working directory's descriptor: only when the path needs it
        }
        else if (relative)
        {
            if (!t.Fds.IsOpen((int)dirFd) || (int)dirFd != dirFd)
            {
                return ResolvedPath.Fail(-(long)LinuxError.EBADF);
            }

            byte[]? dir = DirectoryOf(t, (int)dirFd);
            if (dir is null)
            {
                return ResolvedPath.Fail(-(long)LinuxError.ENOTDIR);
            }

            start = dir;
        }

        return PathResolver.Resolve(t.Fs, new TaskProcScope(t), start, path, follow);
    }

    /// <summary>Where an <c>execve</c> path leads: resolved like any guest path (so <c>/proc/self/fd/N</c>,
    /// <c>/dev/fd/N</c> and <c>/proc/self/exe</c> name the guest's own files, never the runner's descriptors).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="path">The path the guest gave, without NUL.</param>
    /// <param name="checkPath">The host path the caller may read to check the program now.</param>
    /// <param name="runnerPath">The path to hand to the next runner (a guest path when confined, which the next
    /// runner re-roots; the host path otherwise).</param>
    /// <returns>0 or -errno (EACCES for a synthetic or host /proc file, ENOENT, ELOOP...).</returns>
    internal static long ExecTarget(Task t, byte[] path, out byte[] checkPath, out byte[] runnerPath)
    {
        checkPath = runnerPath = path;
        ResolvedPath where = Resolve(t, AtFdCwd, path, follow: true);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Host:
                checkPath = t.Fs.IsConfined ? [.. t.Fs.HostRoot, .. where.Path] : where.Path;
                runnerPath = where.Path;
                return 0;
            case ResolvedKind.Descriptor when t.Fds.Get(where.Fd) is { HostFd: >= 0 } f && !t.Fs.IsConfined:
                // fexecve: the guest's own descriptor, reached through this runner's own /proc entry for it (the
                // host descriptor survives into the next runner under the same number).
                checkPath = runnerPath = Interop.HostLinux.SelfFdPath(f.HostFd, withNul: false);
                return 0;
            default:
                return -(long)LinuxError.EACCES;
        }
    }

    /// <summary>The guest path of the directory a descriptor refers to, or null when it is not a directory (or lies
    /// outside the guest's root).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="fd">The guest descriptor.</param>
    /// <returns>The absolute guest path, or null.</returns>
    internal static byte[]? DirectoryOf(Task t, int fd)
    {
        OpenFile? f = t.Fds.Get(fd);
        if (f is SyntheticFile s)
        {
            return s.Node.IsDirectory ? ProcRenderer.NodePath(s.Node) : null;
        }

        if (f is null || !(f is HostFile hf ? hf.IsDirectory : IsHostDirectory(f.HostFd)))
        {
            return null;
        }

        byte[] host = FsContext.HostPathOf(f.HostFd);
        if (host.Length == 0 && f is HostFile { LongPath: byte[] deep })
        {
            return deep; // deeper than the host names: the path it was opened by
        }

        if (IsHostProcPath(host))
        {
            return host; // the guest's /proc mount is the host's /proc for everything not synthesized
        }

        return t.Fs.GuestPathOfHost(host);
    }

    /// <summary>True for "/proc" and paths below it.</summary>
    /// <param name="hostPath">A host path.</param>
    /// <returns>Whether it lies in the host's /proc.</returns>
    internal static bool IsHostProcPath(ReadOnlySpan<byte> hostPath) =>
        hostPath.SequenceEqual("/proc"u8) || hostPath.StartsWith("/proc/"u8);

    private static bool IsHostDirectory(int hostFd)
    {
        byte[] stat = new byte[144];
        const int ModeOffset = 24;
        const uint TypeMask = 0xF000, Directory = 0x4000;
        long r = Interop.HostLinux.Syscall((long)Abi.SyscallNumber.Fstat, stat, 1, [hostFd]);
        return r == 0 && (BitConverter.ToUInt32(stat, ModeOffset) & TypeMask) == Directory;
    }
}
