using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Tests;

/// <summary>The guest path resolver: /proc under every spelling, "..", symlinks, loops, and a property test against the
/// host kernel's own resolution of a real tree.</summary>
public sealed class PathResolverTests
{
    private const int Pid = 4242;

    [Theory]
    [InlineData("/proc/self/maps")]
    [InlineData("/proc/thread-self/maps")]
    [InlineData("/proc/4242/maps")]
    [InlineData("/proc/./self/maps")]
    [InlineData("//proc/self/../self/maps")]
    [InlineData("/proc/self/task/4242/maps")]
    [InlineData("/dev/fd/../maps")]
    [InlineData("/proc/self/fd/../maps")]
    [InlineData("/../../proc///self/./maps")]
    [InlineData("/tmp/link-to-proc/self/maps")]
    [InlineData("/tmp/link-to-self/maps")]
    public void Every_spelling_of_maps_lands_on_the_same_node(string path)
    {
        ResolvedPath r = Resolve(path);
        Assert.Equal(ResolvedKind.Synthetic, r.Kind);
        Assert.Equal(new ProcNode(ProcNodeKind.Maps, Pid, Pid), r.Node);
    }

    [Fact]
    public void A_directory_descriptor_of_proc_reaches_self()
    {
        ResolvedPath r = PathResolver.Resolve(new ModelFs(), new Scope(), "/proc"u8, "self/mem"u8, true);
        Assert.Equal(new ProcNode(ProcNodeKind.Memory, Pid, Pid), r.Node);
    }

    [Theory]
    [InlineData("/dev/fd/1", 1)]
    [InlineData("/proc/self/fd/3", 3)]
    [InlineData("/proc/4242/fd/0", 0)]
    public void Fd_links_followed_are_the_descriptor_itself(string path, int fd)
    {
        ResolvedPath r = Resolve(path);
        Assert.Equal(ResolvedKind.Descriptor, r.Kind);
        Assert.Equal(fd, r.Fd);
    }

    [Fact]
    public void Fd_links_not_followed_are_links()
    {
        ResolvedPath r = PathResolver.Resolve(new ModelFs(), new Scope(), "/"u8, "/proc/self/fd/1"u8, false);
        Assert.Equal(ResolvedKind.Synthetic, r.Kind);
        Assert.Equal(ProcNodeKind.FdLink, r.Node.Kind);
    }

    [Theory]
    [InlineData("/proc/self/fd/9", LinuxError.ENOENT)] // not open
    [InlineData("/proc/self/fd/1023", LinuxError.ENOENT)]
    [InlineData("/proc/self/nothing", LinuxError.ENOENT)]
    [InlineData("/proc/self/maps/x", LinuxError.ENOTDIR)]
    [InlineData("/proc/self/maps/", LinuxError.ENOTDIR)]
    [InlineData("/proc/77/mem", LinuxError.EACCES)] // another process: a runner
    [InlineData("/proc/77/maps", LinuxError.EACCES)]
    [InlineData("/proc/77/environ", LinuxError.EACCES)]
    [InlineData("/proc/77/fd/3", LinuxError.EACCES)]
    [InlineData("/proc/77/exe", LinuxError.EACCES)]
    [InlineData("/proc/5000/status", LinuxError.ENOENT)] // a runner thread
    [InlineData("/proc/self/task/5000/mem", LinuxError.ENOENT)]
    [InlineData("/tmp/loop", LinuxError.ELOOP)]
    [InlineData("/tmp/file/x", LinuxError.ENOTDIR)]
    [InlineData("/missing/x", LinuxError.ENOENT)]
    public void Lookups_fail_as_Linux_or_the_policy_says(string path, LinuxError error)
    {
        ResolvedPath r = Resolve(path);
        Assert.Equal(ResolvedKind.Error, r.Kind);
        Assert.Equal(-(long)error, r.Error);
    }

    [Theory]
    [InlineData("/proc/77/status", "/proc/77/status")]
    [InlineData("/proc/77", "/proc/77")]
    [InlineData("/proc/cpuinfo", "/proc/cpuinfo")]
    [InlineData("/proc/self/mounts", "/proc/4242/mounts")]
    [InlineData("/proc", "/proc")]
    [InlineData("/proc/self/..", "/proc")]
    public void Host_facts_pass_through(string path, string host)
    {
        ResolvedPath r = Resolve(path);
        Assert.Equal(ResolvedKind.HostProc, r.Kind);
        Assert.Equal(host, Encoding.ASCII.GetString(r.Path));
    }

    [Theory]
    [InlineData("/..", "/")]
    [InlineData("/../../..", "/")]
    [InlineData("a/../../../tmp", "/tmp")]
    [InlineData("/tmp/abs-link/x", "/tmp/x")]
    [InlineData("/tmp/rel-link/x", "/tmp/dir/x")]
    [InlineData("/tmp/dir/", "/tmp/dir/")]
    [InlineData("/tmp//dir/./", "/tmp/dir")]
    [InlineData("/tmp/dir/..", "/tmp")]
    public void Dot_dot_stays_at_the_root_and_links_are_expanded(string path, string expected)
    {
        ResolvedPath r = PathResolver.Resolve(new ModelFs(), new Scope(), "/"u8, Encoding.ASCII.GetBytes(path), true);
        Assert.Equal(ResolvedKind.Host, r.Kind);
        Assert.Equal(expected, Encoding.ASCII.GetString(r.Path));
    }

    [Fact]
    public void Forty_links_resolve_and_forty_one_is_a_loop()
    {
        var fs = new ModelFs();
        for (int i = 0; i < 41; i++)
        {
            fs.Links["/chain/" + i] = "/chain/" + (i + 1);
        }

        fs.Directories.Add("/chain");
        fs.Files.Add("/chain/41");
        Assert.Equal(ResolvedKind.Host, PathResolver.Resolve(fs, new Scope(), "/"u8, "/chain/1"u8, true).Kind);
        Assert.Equal(-(long)LinuxError.ELOOP, PathResolver.Resolve(fs, new Scope(), "/"u8, "/chain/0"u8, true).Error);
    }

    /// <summary>The oracle is the host kernel: for random paths over a real tree with relative, absolute, chained
    /// and looping symbolic links, the resolver lands where the kernel does (same canonical path) or fails with the
    /// same errno; and resolving each component on its own gives the same answer as the one-call chain check.</summary>
    [Fact]
    public void Resolution_matches_the_host_kernel_on_a_real_tree()
    {
        string root = Directory.CreateTempSubdirectory("usermem-resolver-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "a", "b"));
            File.WriteAllText(Path.Combine(root, "a", "b", "f"), "x");
            File.WriteAllText(Path.Combine(root, "g"), "y");
            File.CreateSymbolicLink(Path.Combine(root, "l1"), "a");
            File.CreateSymbolicLink(Path.Combine(root, "a", "l2"), "../a/b");
            File.CreateSymbolicLink(Path.Combine(root, "a", "b", "l3"), "f");
            File.CreateSymbolicLink(Path.Combine(root, "abs"), Path.Combine(root, "a", "b"));
            File.CreateSymbolicLink(Path.Combine(root, "loop1"), "loop2");
            File.CreateSymbolicLink(Path.Combine(root, "loop2"), "loop1");
            File.CreateSymbolicLink(Path.Combine(root, "la"), "l1/l2/l3");
            File.CreateSymbolicLink(Path.Combine(root, "dangling"), "nowhere/x");
            string[] tokens = ["a", "b", "f", "g", "l1", "l2", "l3", "abs", "loop1", "la", "dangling", ".", "..", "", "x"];
            FsContext fs = FsContext.ForHost(Encoding.UTF8.GetBytes(root));
            Gen.Select(Gen.Int[0, tokens.Length - 1].Array[1, 6], Gen.Bool, Gen.Bool)
                .Sample((picks, trailing, follow) =>
                {
                    string path = string.Join('/', picks.Select(i => tokens[i])) + (trailing ? "/" : string.Empty);
                    if (path.Length == 0 || path.StartsWith('/'))
                    {
                        return true;
                    }

                    ResolvedPath r = PathResolver.Resolve(fs, new Scope(), Encoding.UTF8.GetBytes(root), Encoding.UTF8.GetBytes(path), follow);
                    ResolvedPath oneByOne = PathResolver.Resolve(new OneComponentAtATime(fs), new Scope(), Encoding.UTF8.GetBytes(root), Encoding.UTF8.GetBytes(path), follow);
                    if (oneByOne.Kind != r.Kind || oneByOne.Error != r.Error || !oneByOne.Path.AsSpan().SequenceEqual(r.Path))
                    {
                        return false; // the one-call chain check may only save work, never change an answer
                    }

                    long flags = (long)(Abi.OpenFlags.Path | Abi.OpenFlags.CloseOnExec) | (follow ? 0 : (long)Abi.OpenFlags.NoFollow);
                    (long hostErr, string hostPath) = HostOpen(Path.Combine(root, path) + (path.EndsWith('/') && !Path.Combine(root, path).EndsWith('/') ? "/" : string.Empty), flags);
                    if (r.Kind == ResolvedKind.Error)
                    {
                        return hostErr == r.Error;
                    }

                    if (r.Kind != ResolvedKind.Host)
                    {
                        return false;
                    }

                    (long ourErr, string ourPath) = HostOpen(Encoding.UTF8.GetString(r.Path), flags);
                    return ourErr == hostErr && ourPath == hostPath;
                }, iter: 3000);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (long Error, string Path) HostOpen(string path, long flags)
    {
        byte[] p = Encoding.UTF8.GetBytes(path + "\0");
        long fd = Interop.HostLinux.Syscall((long)Abi.SyscallNumber.Openat, p, 1, [-100, 0, flags, 0]);
        if (fd < 0)
        {
            return (fd, string.Empty);
        }

        string canonical = Encoding.UTF8.GetString(FsContext.HostPathOf((int)fd));
        Interop.HostLinux.Syscall((long)Abi.SyscallNumber.Close, fd);
        return (0, canonical);
    }

    private static ResolvedPath Resolve(string path) =>
        PathResolver.Resolve(new ModelFs(), new Scope(), "/"u8, Encoding.ASCII.GetBytes(path), true);

    /// <summary>The host lookup without its one-call chain check: every component looked at on its own.</summary>
    private sealed class OneComponentAtATime(IPathLookup inner) : IPathLookup
    {
        public long Inspect(ReadOnlySpan<byte> path, bool hostProc, out HostNodeType type, out byte[] target) =>
            inner.Inspect(path, hostProc, out type, out target);
    }

    /// <summary>An in-memory file system: /, /tmp, /tmp/dir, /tmp/file, and links.</summary>
    private sealed class ModelFs : IPathLookup
    {
        public HashSet<string> Directories { get; } = ["/", "/tmp", "/tmp/dir", "/dev", "/a"];

        public HashSet<string> Files { get; } = ["/tmp/file"];

        public Dictionary<string, string> Links { get; } = new()
        {
            ["/tmp/link-to-proc"] = "/proc",
            ["/tmp/link-to-self"] = "../proc/self",
            ["/tmp/loop"] = "loop",
            ["/tmp/abs-link"] = "/tmp",
            ["/tmp/rel-link"] = "dir",
        };

        public long Inspect(ReadOnlySpan<byte> path, bool hostProc, out HostNodeType type, out byte[] target)
        {
            string p = Encoding.ASCII.GetString(path);
            target = [];
            type = HostNodeType.Other;
            if (hostProc)
            {
                type = HostNodeType.Directory;
                return 0;
            }

            if (Links.TryGetValue(p, out string? t))
            {
                type = HostNodeType.Link;
                target = Encoding.ASCII.GetBytes(t);
                return 0;
            }

            if (Directories.Contains(p))
            {
                type = HostNodeType.Directory;
                return 0;
            }

            return Files.Contains(p) ? 0 : -(long)LinuxError.ENOENT;
        }
    }

    private sealed class Scope : IProcScope
    {
        public int Pid => PathResolverTests.Pid;

        public int Tid => PathResolverTests.Pid;

        public byte[] ExecutablePath => "/bin/prog"u8.ToArray();

        public byte[] WorkingDirectory => "/"u8.ToArray();

        public bool IsOpen(int fd) => fd is 0 or 1 or 2 or 3;

        public byte[]? DirectoryOf(int fd) => null;

        public bool IsRunnerId(int id) => id == 5000;
    }
}
