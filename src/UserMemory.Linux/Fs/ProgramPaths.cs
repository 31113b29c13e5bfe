using System;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>Where a program named by a guest path lies on the host, for the loader (which reads it by host path).
/// Unconfined the guest path is the host path. Confined (<c>--root</c>) the path is resolved inside the root and the
/// loader reads the root's file.</summary>
public static class ProgramPaths
{
    /// <summary>Maps a guest program path to the host path the loader reads.</summary>
    /// <param name="fs">The guest's file-system view.</param>
    /// <param name="scope">The process asking (for <c>/proc/self/exe</c>), or null at startup.</param>
    /// <param name="guestPath">The path the guest (or the command line) named, without NUL.</param>
    /// <param name="hostPath">The host path to load.</param>
    /// <param name="guestAbsolute">The program's absolute guest path (what <c>/proc/self/exe</c> will name).</param>
    /// <returns>0 or -errno (ENOENT, ELOOP, EACCES for a /proc file that is not a program).</returns>
    public static long ToHost(FsContext fs, IProcScope? scope, byte[] guestPath, out byte[] hostPath, out byte[] guestAbsolute)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(guestPath);
        hostPath = guestPath;
        guestAbsolute = guestPath;
        if (!fs.IsConfined)
        {
            return 0;
        }

        ResolvedPath where = PathResolver.Resolve(fs, scope ?? new StartupScope(fs), fs.Cwd, guestPath, followFinal: true);
        switch (where.Kind)
        {
            case ResolvedKind.Error:
                return where.Error;
            case ResolvedKind.Host:
                guestAbsolute = where.Path;
                hostPath = [.. fs.HostRoot, .. where.Path];
                return 0;
            default:
                return -(long)LinuxError.EACCES;
        }
    }

    /// <summary>The scope of a process that is not running yet: no descriptors, no /proc/self of its own.</summary>
    private sealed class StartupScope(FsContext fs) : IProcScope
    {
        public int Pid => 0;

        public int Tid => 0;

        public byte[] ExecutablePath => [];

        public byte[] WorkingDirectory => fs.Cwd;

        public bool IsOpen(int fd) => false;

        public byte[]? DirectoryOf(int fd) => null;

        public bool IsRunnerId(int id) => false;
    }
}
