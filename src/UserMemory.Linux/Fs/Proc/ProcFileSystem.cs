using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// The synthetic mount at <c>/proc</c> (and the <c>/dev/fd</c> link): which node a resolved guest path names.
/// Policy (see Fs/README.md):
/// <list type="bullet">
/// <item><c>/proc/self</c>, <c>/proc/thread-self</c> and <c>/proc/PID</c> of the calling process are synthesized
/// from guest state; a few harmless host facts under it (mounts, limits, cgroup, net...) pass through read-only.
/// <c>PID/task</c> lists every thread of the group; <c>PID/task/TID</c> and <c>/proc/TID</c> (any thread of the
/// group, listed or not) show that thread. A node's <see cref="ProcNode.Pid"/> is the id the path names after
/// <c>/proc/</c> (the pid, or a thread's tid for <c>/proc/TID</c>); its <see cref="ProcNode.Tid"/> is the thread
/// it describes.</item>
/// <item>A pid outside the sandbox (<see cref="Process.SandboxTable"/>) does not exist (ENOENT), as for every
/// syscall that names a process. Other processes of the sandbox show host facts read-only: <c>stat</c>, <c>status</c>,
/// <c>comm</c>, <c>cmdline</c>, <c>statm</c>. Everything else there (mem, maps, fd, environ, exe, auxv, task...)
/// answers EACCES, because every other guest process is a runner process whose memory and descriptors are the
/// runner's.</item>
/// <item>The runner's own thread ids are hidden (ENOENT).</item>
/// <item>Every other <c>/proc</c> entry is the host's, read-only.</item>
/// </list>
/// </summary>
public static class ProcFileSystem
{
    /// <summary>The top directory of the mount.</summary>
    public static ReadOnlySpan<byte> MountName => "proc"u8;

    private static readonly Dictionary<string, ProcNodeKind> ProcessEntries = new(StringComparer.Ordinal)
    {
        ["maps"] = ProcNodeKind.Maps,
        ["mem"] = ProcNodeKind.Memory,
        ["exe"] = ProcNodeKind.Executable,
        ["cwd"] = ProcNodeKind.WorkingDirectory,
        ["root"] = ProcNodeKind.RootLink,
        ["cmdline"] = ProcNodeKind.CommandLine,
        ["environ"] = ProcNodeKind.Environment,
        ["comm"] = ProcNodeKind.Command,
        ["status"] = ProcNodeKind.Status,
        ["stat"] = ProcNodeKind.Stat,
        ["statm"] = ProcNodeKind.StatM,
        ["auxv"] = ProcNodeKind.AuxiliaryVector,
        ["fd"] = ProcNodeKind.FdDirectory,
        ["fdinfo"] = ProcNodeKind.FdInfoDirectory,
    };

    private static readonly HashSet<string> OwnHostFacts = new(StringComparer.Ordinal)
    {
        "mounts", "mountinfo", "mountstats", "limits", "cgroup", "net", "oom_score", "oom_score_adj", "loginuid", "uid_map", "gid_map",
    };

    private static readonly HashSet<string> OtherProcessFacts = new(StringComparer.Ordinal)
    {
        "stat", "status", "comm", "cmdline", "statm",
    };

    /// <summary>The names listed in a process (or thread) directory.</summary>
    /// <param name="thread">True for <c>task/TID</c> (no <c>task</c> entry).</param>
    /// <returns>The names with their kinds, sorted.</returns>
    public static IReadOnlyList<KeyValuePair<string, ProcNodeKind>> ProcessDirectoryEntries(bool thread)
    {
        var list = new List<KeyValuePair<string, ProcNodeKind>>(ProcessEntries);
        if (!thread)
        {
            list.Add(new("task", ProcNodeKind.TaskList));
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    /// <summary>True when a resolved path (its components) lies in a synthetic mount and must be classified.</summary>
    /// <param name="components">The path's components.</param>
    /// <returns>Whether <see cref="Classify"/> decides it.</returns>
    public static bool IsInMount(List<byte[]> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        return components.Count > 0 && (components[0].AsSpan().SequenceEqual(MountName)
            || (components.Count == 2 && components[0].AsSpan().SequenceEqual("dev"u8) && components[1].AsSpan().SequenceEqual("fd"u8)));
    }

    /// <summary>Decides what a path inside the mount names. Every component but the last is already known to be a
    /// directory (the resolver expanded the links before it).</summary>
    /// <param name="scope">The calling process.</param>
    /// <param name="components">The path's components (<see cref="IsInMount"/> is true).</param>
    /// <returns>Synthetic with its node, HostProc with the host path, or Error.</returns>
    public static ResolvedPath Classify(IProcScope scope, List<byte[]> components)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(components);
        int pid = scope.Pid;
        if (!components[0].AsSpan().SequenceEqual(MountName))
        {
            return Synthetic(new ProcNode(ProcNodeKind.DevFdLink, pid, scope.Tid));
        }

        if (components.Count == 1)
        {
            return HostProc(components);
        }

        string top = Name(components[1]);
        if (top == "self")
        {
            return Only(components, 2, new ProcNode(ProcNodeKind.SelfLink, pid, scope.Tid));
        }

        if (top == "thread-self")
        {
            return Only(components, 2, new ProcNode(ProcNodeKind.ThreadSelfLink, pid, scope.Tid));
        }

        if (!TryParseId(top, out int id))
        {
            return HostProc(components);
        }

        if (id == pid || scope.IsGroupThread(id))
        {
            // /proc/TID of a thread that is not the leader opens too (readdir of /proc does not list it): the
            // process directory seen from that thread (its status shows its own Pid:, its task/ lists the group).
            return ClassifyProcess(scope, components, 2, id, id, thread: false);
        }

        if (scope.IsRunnerId(id) || (Process.SandboxTable.IsAttached && !Process.SandboxTable.Contains(id)))
        {
            return ResolvedPath.Fail(-(long)LinuxError.ENOENT); // a runner thread, or a host process outside the sandbox
        }

        return components.Count == 2 || (components.Count == 3 && OtherProcessFacts.Contains(Name(components[2])))
            ? HostProc(components)
            : ResolvedPath.Fail(-(long)LinuxError.EACCES);
    }

    /// <summary>Parses a decimal id the way the kernel's /proc lookup does (no sign, no leading zeros).</summary>
    /// <param name="name">The name.</param>
    /// <param name="id">The id.</param>
    /// <returns>Whether it is one.</returns>
    public static bool TryParseId(string name, out int id)
    {
        id = 0;
        return name.Length > 0 && (name.Length == 1 || name[0] != '0')
            && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    private static ResolvedPath ClassifyProcess(IProcScope scope, List<byte[]> c, int at, int pid, int tid, bool thread)
    {
        var dir = new ProcNode(thread ? ProcNodeKind.ThreadDirectory : ProcNodeKind.ProcessDirectory, pid, tid);
        if (c.Count == at)
        {
            return Synthetic(dir);
        }

        string name = Name(c[at]);
        if (!thread && name == "task")
        {
            if (c.Count == at + 1)
            {
                return Synthetic(new ProcNode(ProcNodeKind.TaskList, pid, tid));
            }

            return TryParseId(Name(c[at + 1]), out int t) && scope.IsGroupThread(t)
                ? ClassifyProcess(scope, c, at + 2, pid, t, thread: true)
                : ResolvedPath.Fail(-(long)LinuxError.ENOENT);
        }

        if (OwnHostFacts.Contains(name))
        {
            return HostProc(c);
        }

        if (!ProcessEntries.TryGetValue(name, out ProcNodeKind kind))
        {
            return ResolvedPath.Fail(-(long)LinuxError.ENOENT);
        }

        if (kind is not (ProcNodeKind.FdDirectory or ProcNodeKind.FdInfoDirectory))
        {
            return Only(c, at + 1, new ProcNode(kind, pid, tid));
        }

        if (c.Count == at + 1)
        {
            return Synthetic(new ProcNode(kind, pid, tid));
        }

        if (!TryParseId(Name(c[at + 1]), out int fd) || !scope.IsOpen(fd))
        {
            return ResolvedPath.Fail(-(long)LinuxError.ENOENT);
        }

        var entry = new ProcNode(kind == ProcNodeKind.FdDirectory ? ProcNodeKind.FdLink : ProcNodeKind.FdInfo, pid, tid, fd);
        return Only(c, at + 2, entry);
    }

    /// <summary>A node that must be the last component (a file or link: the resolver expands links before going on).</summary>
    private static ResolvedPath Only(List<byte[]> c, int count, ProcNode node) =>
        c.Count == count ? Synthetic(node) : ResolvedPath.Fail(-(long)LinuxError.ENOTDIR);

    private static ResolvedPath Synthetic(ProcNode node) => new(ResolvedKind.Synthetic, [], node, 0);

    private static ResolvedPath HostProc(List<byte[]> components) => new(ResolvedKind.HostProc, PathText.Join(components), default, 0);

    private static string Name(byte[] component) => Encoding.Latin1.GetString(component);
}
