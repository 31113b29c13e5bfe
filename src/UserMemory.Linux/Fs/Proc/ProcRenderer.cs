using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Loader;
using UserMemory.Linux.Loader.Vdso;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// Renders the contents of the synthetic files of the calling process from guest state only: the address space's
/// areas (never the runner's ranges), the guest's argv and environment as they lie in guest memory, its signal
/// masks and dispositions, its descriptors.
/// </summary>
internal static class ProcRenderer
{
    private const int MapsNameColumn = 73;
    private const char RunningState = 'R';

    // Fields of a stat line, numbered as in proc(5).
    private const int StatState = 3;
    private const int StatUserTime = 14;
    private const int StatPriority = 18;
    private const int StatStartTime = 22;
    private const int StatProcessor = 39;
    private const string DefaultPriority = "20";
    private const char ZombieState = 'Z';
    private const string NoName = "";
    private const string Heap = "[heap]";
    private const string Stack = "[stack]";
    private const string Vdso = "[vdso]";
    private const string ClockPage = "[vvar]";

    /// <summary>The start of the link text of a memfd (<c>/memfd:NAME (deleted)</c>).</summary>
    private static ReadOnlySpan<byte> MemfdLinkPrefix => "/memfd:"u8;

    /// <summary>The bytes of a readable synthetic file (not mem, not a directory).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="node">The node.</param>
    /// <returns>The contents, or null when the thread the node describes has exited (a read answers ESRCH, as on
    /// Linux).</returns>
    internal static byte[]? Render(Task t, ProcNode node)
    {
        ThreadGroup g = t.Group;
        if (node.Pid != g.Pid && g.FindTask(node.Pid) is null)
        {
            return []; // a descriptor inherited across fork naming the parent (or a thread that ended): not here
        }

        (Task? target, bool live) = TaskOf(g, node.Tid);
        if (target is null)
        {
            return null;
        }

        return node.Kind switch
        {
            ProcNodeKind.Maps => Maps(t),
            ProcNodeKind.CommandLine => GuestRange(t, g.Image.ArgStart, g.Image.ArgEnd),
            ProcNodeKind.Environment => GuestRange(t, g.Image.EnvStart, g.Image.EnvEnd),
            ProcNodeKind.Command => [.. target.CommandName, (byte)'\n'],
            ProcNodeKind.Status => Encoding.UTF8.GetBytes(TaskStatusFile.Render(target, live)),
            ProcNodeKind.Stat => Encoding.UTF8.GetBytes(StatLine(target, live, wholeProcess: node.Pid == node.Tid)),
            ProcNodeKind.StatM => Encoding.ASCII.GetBytes(StatM(t)),
            ProcNodeKind.AuxiliaryVector => Auxv(g),
            ProcNodeKind.FdInfo => Encoding.ASCII.GetBytes(FdInfo(t, node.Fd)),
            _ => [],
        };
    }

    /// <summary>The thread a node describes: the group's leader (live or not: Linux keeps its directory until the
    /// group ends) or a live thread; null when that thread has exited.</summary>
    /// <param name="g">The calling process.</param>
    /// <param name="tid">The thread id.</param>
    /// <returns>The task and whether it is still running.</returns>
    internal static (Task? Task, bool Live) TaskOf(ThreadGroup g, int tid)
    {
        Task? live = g.FindTask(tid);
        if (live is not null)
        {
            return (live, true);
        }

        return tid == g.Pid ? (g.MainTask, false) : (null, false);
    }

    /// <summary>The ids <c>PID/task</c> lists: the leader first (while the group lives), then every live thread in
    /// creation order, as Linux walks its thread list.</summary>
    /// <param name="g">The process.</param>
    /// <returns>The thread ids.</returns>
    internal static List<int> ThreadIds(ThreadGroup g)
    {
        var ids = new List<int> { g.Pid };
        foreach (Task task in g.LiveTasks())
        {
            if (task.Tid != g.Pid)
            {
                ids.Add(task.Tid);
            }
        }

        return ids;
    }

    /// <summary>What <c>Threads:</c> and <c>num_threads</c> count: the live threads and the leader, which Linux keeps
    /// counted (a zombie) until the whole group ends.</summary>
    /// <param name="g">The process.</param>
    /// <returns>The count.</returns>
    internal static int ThreadCount(ThreadGroup g) => g.TaskCount + (g.FindTask(g.Pid) is null ? 1 : 0);

    /// <summary>A thread's command name (<see cref="Task.CommandName"/>) as text.</summary>
    /// <param name="t">The thread.</param>
    /// <returns>The name.</returns>
    internal static string Comm(Task t) => Encoding.UTF8.GetString(t.CommandName);

    /// <summary>The text <c>readlink</c> gives for <c>fd/N</c>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="fd">The guest descriptor.</param>
    /// <returns>The link text.</returns>
    internal static byte[] DescriptorLink(Task t, int fd)
    {
        OpenFile? f = t.Fds.Get(fd);
        if (f is SyntheticFile s)
        {
            return NodePath(s.Node);
        }

        if (f is null)
        {
            return [];
        }

        byte[] host = FsContext.HostPathOf(f.HostFd);
        if (IsMemfdLink(host, f.HostFd))
        {
            return host; // "/memfd:NAME (deleted)": names no file of the host's tree, so nothing to translate
        }

        if (host.Length > 0 && host[0] == (byte)'/')
        {
            return t.Group.Fs.GuestPathOfHost(host) ?? "/"u8.ToArray();
        }

        return host;
    }

    /// <summary>True when <paramref name="hostLink"/> is the link text of a memfd: the "/memfd:" prefix Linux gives
    /// memfd_create's files, on a descriptor that answers F_GET_SEALS (only shmem and hugetlbfs files do).</summary>
    private static bool IsMemfdLink(byte[] hostLink, int hostFd) =>
        hostLink.AsSpan().StartsWith(MemfdLinkPrefix)
        && HostLinux.Syscall((long)SyscallNumber.Fcntl, hostFd, (long)FcntlCommand.GetSeals) >= 0;

    /// <summary>The text <c>readlink</c> gives for <c>exe</c>: the program's canonical path (every link and "."
    /// resolved, as Linux records the file itself), seen from the guest's root.</summary>
    /// <param name="t">The calling task.</param>
    /// <returns>The link text.</returns>
    internal static byte[] ExecutableLink(Task t)
    {
        byte[] exe = t.Group.ExecutablePath;
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, [.. exe, 0], 1, [-100, 0, (long)(OpenFlags.Path | OpenFlags.CloseOnExec), 0]);
        if (fd < 0)
        {
            return exe;
        }

        byte[] host = FsContext.HostPathOf((int)fd);
        HostLinux.Syscall((long)SyscallNumber.Close, fd);
        return t.Group.Fs.GuestPathOfHost(host) ?? exe;
    }

    /// <summary>The guest path of a synthetic node.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The absolute path.</returns>
    internal static byte[] NodePath(ProcNode node)
    {
        string process = string.Create(CultureInfo.InvariantCulture, $"/proc/{node.Pid}");
        string thread = node.Tid == node.Pid ? process : string.Create(CultureInfo.InvariantCulture, $"{process}/task/{node.Tid}");
        string text = node.Kind switch
        {
            ProcNodeKind.SelfLink => "/proc/self",
            ProcNodeKind.ThreadSelfLink => "/proc/thread-self",
            ProcNodeKind.DevFdLink => "/dev/fd",
            ProcNodeKind.ProcessDirectory => process,
            ProcNodeKind.TaskList => process + "/task",
            ProcNodeKind.ThreadDirectory => string.Create(CultureInfo.InvariantCulture, $"{process}/task/{node.Tid}"),
            ProcNodeKind.FdLink => string.Create(CultureInfo.InvariantCulture, $"{thread}/fd/{node.Fd}"),
            ProcNodeKind.FdInfo => string.Create(CultureInfo.InvariantCulture, $"{thread}/fdinfo/{node.Fd}"),
            _ => thread + "/" + EntryName(node.Kind),
        };
        return Encoding.ASCII.GetBytes(text);
    }

    private static string EntryName(ProcNodeKind kind)
    {
        foreach (KeyValuePair<string, ProcNodeKind> e in ProcFileSystem.ProcessDirectoryEntries(false))
        {
            if (e.Value == kind)
            {
                return e.Key;
            }
        }

        return string.Empty;
    }

    private static byte[] GuestRange(Task t, ulong start, ulong end)
    {
        if (end <= start || end - start > SyscallLimits.ArgumentBytesMax)
        {
            return [];
        }

        byte[] buffer = new byte[end - start];
        CopyResult r = UserCopy.CopyIn(t.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(start)), buffer.AsSpan());
        return buffer.AsSpan(0, (int)r.BytesDone).ToArray();
    }

    private static byte[] Maps(Task t)
    {
        ThreadGroup g = t.Group;
        var sb = new StringBuilder();
        (ulong Start, ulong End, MappingFlags Flags, bool Shared, string Name, ulong Offset)? pending = null;
        void Flush()
        {
            if (pending is not { } p)
            {
                return;
            }

            string line = string.Create(CultureInfo.InvariantCulture,
                $"{p.Start:x8}-{p.End:x8} {Perm(p.Flags, MappingFlags.Read, 'r')}{Perm(p.Flags, MappingFlags.Write, 'w')}{Perm(p.Flags, MappingFlags.Execute, 'x')}{(p.Shared ? 's' : 'p')} {p.Offset:x8} 00:00 0 ");
            sb.Append(line);
            if (p.Name.Length > 0)
            {
                sb.Append(' ', Math.Max(0, MapsNameColumn - line.Length)).Append(p.Name);
            }

            sb.Append('\n');
            pending = null;
        }

        void Add(ulong start, ulong end, MappingFlags flags, bool shared, string name, ulong offset)
        {
            if (pending is { } p && p.End == start && p.Flags == flags && p.Shared == shared && p.Name == name
                && (name.Length == 0 || name[0] == '[' || p.Offset + (p.End - p.Start) == offset))
            {
                pending = p with { End = end };
                return;
            }

            Flush();
            pending = (start, end, flags, shared, name, offset);
        }

        string exe = Encoding.UTF8.GetString(g.ExecutablePath);
        ulong vdso = VdsoAddress(g.Image);
        foreach (MemoryAreaInfo a in g.Space.GetAreas())
        {
            ulong s = a.Range.Start.Value;
            ulong e = a.Range.End.Value;
            bool shared = a.Kind == MemoryAreaKind.Shared;
            while (s < e)
            {
                // Split the area where the executable's file ranges, the heap and the stack begin and end.
                ulong next = e;
                string name = NoName;
                ulong offset = shared ? a.SharedOffset + (s - a.Range.Start.Value) : 0;
                foreach (ImageFileRange r in g.Image.FileRanges)
                {
                    if (s >= r.Start && s < r.End)
                    {
                        next = Math.Min(next, r.End);
                        name = exe;
                        offset = r.FileOffset + (s - r.Start);
                    }
                    else if (r.Start > s)
                    {
                        next = Math.Min(next, r.Start);
                    }
                }

                if (name.Length == 0 && vdso != 0 && s >= vdso - VdsoImage.ClockPageSize && s < vdso + VdsoImage.Size)
                {
                    name = s < vdso ? ClockPage : Vdso;
                    next = Math.Min(next, s < vdso ? vdso : vdso + VdsoImage.Size);
                }

                if (name.Length == 0)
                {
                    if (g.BrkEnd > g.BrkStart && s >= Pages.AlignDown4K(g.BrkStart + Pages.OffsetMask4K) && s < Pages.AlignDown4K(g.BrkEnd + Pages.OffsetMask4K))
                    {
                        name = Heap;
                        next = Math.Min(next, Pages.AlignDown4K(g.BrkEnd + Pages.OffsetMask4K));
                    }
                    else if (s >= GuestLayout.StackBottom && s < GuestLayout.StackTop)
                    {
                        name = Stack;
                    }
                }

                Add(s, next, a.Flags, shared, name, offset);
                s = next;
            }
        }

        Flush();
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Where the loader mapped the vDSO (AT_SYSINFO_EHDR), or 0.</summary>
    private static ulong VdsoAddress(ProcessImage image)
    {
        foreach (KeyValuePair<ulong, ulong> entry in image.AuxiliaryVector)
        {
            if (entry.Key == (ulong)AuxvType.SysinfoHeader)
            {
                return entry.Value;
            }
        }

        return 0;
    }

    private static char Perm(MappingFlags flags, MappingFlags bit, char c) => (flags & bit) != 0 ? c : '-';

    private static ulong TotalBytes(ThreadGroup g)
    {
        ulong total = 0;
        foreach (MemoryAreaInfo a in g.Space.GetAreas())
        {
            total += a.Range.Size;
        }

        return total;
    }

    /// <summary>The <c>stat</c> line of thread <paramref name="t"/>. Ids, memory, signals and the recorded image come
    /// from guest state; the state letter, the scheduling fields (priority, nice, start time, processor, real-time
    /// priority and policy) and the CPU times come from the host thread that runs the guest thread (the process-level
    /// line, <paramref name="wholeProcess"/>, sums the times of every thread and of waited-for children, as Linux's).
    /// Fault counts and the runner's own guest time (a KVM vCPU's) are not the guest's and stay 0.</summary>
    private static string StatLine(Task t, bool live, bool wholeProcess)
    {
        ThreadGroup g = t.Group;
        (ulong ignored, ulong caught) = TaskStatusFile.Dispositions(g);
        string[]? own = HostThreadStatus.ReadStat(t.Tid, wholeProcess: false);
        string[]? sums = wholeProcess ? HostThreadStatus.ReadStat(t.Tid, wholeProcess: true) : own;
        string state = !live ? ZombieState.ToString() : HostField(own, StatState, RunningState.ToString());
        int threads = ThreadCount(g);
        long ppid = HostLinux.Syscall((long)SyscallNumber.Getppid);
        long pgrp = HostLinux.Syscall((long)SyscallNumber.Getpgid, 0);
        long session = HostLinux.Syscall((long)SyscallNumber.Getsid, 0);
        ulong rss = (ulong)g.Space.ResidentPages;
        ulong pending = t.Signals.Private.Set | g.Signals.Shared.Set;
        ProcessImage img = g.Image;
        string times = string.Join(' ', HostField(sums, StatUserTime, "0"), HostField(sums, StatUserTime + 1, "0"),
            HostField(sums, StatUserTime + 2, "0"), HostField(sums, StatUserTime + 3, "0"));
        string priority = HostField(own, StatPriority, DefaultPriority) + " " + HostField(own, StatPriority + 1, "0");
        string start = HostField(own, StatStartTime, "0");
        string processor = HostField(own, StatProcessor, "0");
        string realtime = HostField(own, StatProcessor + 1, "0") + " " + HostField(own, StatProcessor + 2, "0");
        return string.Create(CultureInfo.InvariantCulture,
            $"{t.Tid} ({Comm(t)}) {state} {ppid} {pgrp} {session} 0 -1 4194304 0 0 0 0 {times} {priority} {threads} 0 {start} {TotalBytes(g)} {rss} 18446744073709551615 0 0 {img.ArgStart} 0 0 {pending} {t.SignalMask} {ignored} {caught} 0 0 0 17 {processor} {realtime} 0 0 0 0 0 {g.BrkStart} {img.ArgStart} {img.ArgEnd} {img.EnvStart} {img.EnvEnd} 0\n");
    }

    /// <summary>Field <paramref name="index"/> (numbered as in proc(5)) of a host stat line, when it is a number.</summary>
    private static string HostField(string[]? fields, int index, string fallback) =>
        fields is not null && index < fields.Length && fields[index].Length > 0 ? fields[index] : fallback;

    private static string StatM(Task t)
    {
        ulong pages = TotalBytes(t.Group) / Pages.Size4K;
        return string.Create(CultureInfo.InvariantCulture, $"{pages} {t.Group.Space.ResidentPages} 0 0 0 0 0\n");
    }

    private static byte[] Auxv(ThreadGroup g)
    {
        using var stream = new MemoryStream();
        foreach (KeyValuePair<ulong, ulong> p in g.Image.AuxiliaryVector)
        {
            stream.Write(BitConverter.GetBytes(p.Key));
            stream.Write(BitConverter.GetBytes(p.Value));
        }

        if (g.Image.AuxiliaryVector.Count > 0)
        {
            stream.Write(new byte[16]); // AT_NULL
        }

        return stream.ToArray();
    }

    private static string FdInfo(Task t, int fd)
    {
        OpenFile? f = t.Fds.Get(fd);
        long position = 0;
        long flags = 0;
        if (f is SyntheticFile s)
        {
            position = s.Offset;
            flags = s.StatusFlags;
        }
        else if (f is not null)
        {
            long p = HostLinux.Syscall((long)SyscallNumber.Lseek, f.HostFd, 0, 1 /* SEEK_CUR */);
            position = p < 0 ? 0 : p;
            long fl = HostLinux.Syscall((long)SyscallNumber.Fcntl, f.HostFd, (long)FcntlCommand.GetFl);
            flags = fl < 0 ? 0 : fl;
        }

        if (t.Fds.IsCloseOnExec(fd))
        {
            flags |= (long)OpenFlags.CloseOnExec;
        }

        return string.Create(CultureInfo.InvariantCulture, $"pos:\t{position}\nflags:\t0{Convert.ToString(flags, 8)}\nmnt_id:\t0\nino:\t0\n");
    }
}
