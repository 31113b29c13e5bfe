using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// <c>/proc/PID/status</c>, <c>/proc/TID/status</c> and <c>/proc/PID/task/TID/status</c> of one guest thread, in
/// Linux's field order. Ids, memory, thread count and signal state come from guest state (the thread's own pending
/// set and mask); what the host kernel keeps per thread for the guest thread's host thread (state, credentials with
/// real, effective, saved and file-system ids, supplementary groups, capabilities, umask, affinity, context switches)
/// comes from the host's status of that thread (<see cref="HostThreadStatus"/>). Host lines that describe the runner
/// (its memory) never pass.
/// </summary>
internal static class TaskStatusFile
{
    private const ulong SignalIgnore = 1;
    private const int KiB = 1024;

    /// <summary>What a thread that has exited shows (the group's leader stays listed until the group ends).</summary>
    private const string ZombieState = "Z (zombie)";

    /// <summary>The lines Linux prints, in its order. Keys the layer renders are always printed; a key only the host
    /// knows is printed when the host kernel prints it (so version-dependent lines appear exactly as natively).</summary>
    private static readonly string[] Order =
    [
        "Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups",
        "NStgid", "NSpid", "NSpgid", "NSsid", "Kthread", "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS",
        "RssAnon", "RssFile", "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages",
        "CoreDumping", "THP_enabled", "untag_mask", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn",
        "SigCgt", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
        "Speculation_Store_Bypass", "SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list", "Mems_allowed",
        "Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches", "x86_Thread_features",
        "x86_Thread_features_locked",
    ];

    /// <summary>The host lines that describe the guest thread as well (its host thread's per-thread state).</summary>
    private static readonly HashSet<string> FromHost = new(StringComparer.Ordinal)
    {
        "Umask", "State", "Uid", "Gid", "Groups", "NSpgid", "NSsid", "Kthread", "THP_enabled", "untag_mask",
        "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
        "Speculation_Store_Bypass", "SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list",
        "Mems_allowed", "Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
        "x86_Thread_features", "x86_Thread_features_locked",
    };

    /// <summary>Renders the status of <paramref name="target"/>.</summary>
    /// <param name="target">The thread the file describes.</param>
    /// <param name="live">False when it has exited (the leader, listed until the group ends).</param>
    /// <returns>The text.</returns>
    internal static string Render(Task target, bool live)
    {
        Dictionary<string, string> host = new(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> line in HostThreadStatus.Read(target.Tid))
        {
            host.TryAdd(line.Key, line.Value);
        }

        Dictionary<string, string> ours = Guest(target);
        if (!live)
        {
            ours["State"] = ZombieState;
        }

        var sb = new StringBuilder();
        foreach (string key in Order)
        {
            string? value = null;
            if (ours.TryGetValue(key, out string? mine))
            {
                value = mine;
            }
            else if (FromHost.Contains(key) && host.TryGetValue(key, out string? theirs))
            {
                value = theirs;
            }
            else if (host.Count == 0)
            {
                value = Fallback(key);
            }

            if (value is not null)
            {
                sb.Append(key).Append(":\t").Append(value).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>The masks of the ignored and caught signals (bit N-1 for signal N).</summary>
    /// <param name="g">The process.</param>
    /// <returns>The masks.</returns>
    internal static (ulong Ignored, ulong Caught) Dispositions(ThreadGroup g)
    {
        ulong ignored = 0, caught = 0;
        for (int s = 1; s < g.SignalHandlers.Length; s++)
        {
            ulong h = g.SignalHandlers[s];
            if (h == SignalIgnore)
            {
                ignored |= 1UL << (s - 1);
            }
            else if (h != 0)
            {
                caught |= 1UL << (s - 1);
            }
        }

        return (ignored, caught);
    }

    private static Dictionary<string, string> Guest(Task target)
    {
        ThreadGroup g = target.Group;
        (ulong ignored, ulong caught) = Dispositions(g);
        MemorySummary m = MemorySummary.Of(g);
        long ppid = HostLinux.Syscall((long)SyscallNumber.Getppid);
        string tid = target.Tid.ToString(CultureInfo.InvariantCulture);
        string pid = g.Pid.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Name"] = ProcRenderer.Comm(target),
            ["Tgid"] = pid,
            ["Ngid"] = "0",
            ["Pid"] = tid,
            ["PPid"] = ppid.ToString(CultureInfo.InvariantCulture),
            ["TracerPid"] = "0",
            ["FDSize"] = g.Fds.Size.ToString(CultureInfo.InvariantCulture),
            ["NStgid"] = pid,
            ["NSpid"] = tid,
            ["VmPeak"] = Kb(m.Total),
            ["VmSize"] = Kb(m.Total),
            ["VmLck"] = Kb(0),
            ["VmPin"] = Kb(0),
            ["VmHWM"] = Kb(m.Resident),
            ["VmRSS"] = Kb(m.Resident),
            ["RssAnon"] = Kb(m.Resident),
            ["RssFile"] = Kb(0),
            ["RssShmem"] = Kb(0),
            ["VmData"] = Kb(m.Data),
            ["VmStk"] = Kb(m.Stack),
            ["VmExe"] = Kb(m.Executable),
            ["VmLib"] = Kb(0),
            ["VmPTE"] = Kb(0),
            ["VmSwap"] = Kb(0),
            ["HugetlbPages"] = Kb(0),
            ["CoreDumping"] = "0",
            ["Threads"] = ProcRenderer.ThreadCount(g).ToString(CultureInfo.InvariantCulture),
            ["SigQ"] = SignalQueue(),
            ["SigPnd"] = Hex(target.Signals.Private.Set),
            ["ShdPnd"] = Hex(g.Signals.Shared.Set),
            ["SigBlk"] = Hex(target.SignalMask),
            ["SigIgn"] = Hex(ignored),
            ["SigCgt"] = Hex(caught),
        };
    }

    /// <summary>Values for the host lines when the host's status could not be read.</summary>
    private static string? Fallback(string key) => key switch
    {
        "Umask" => "0022",
        "State" => "R (running)",
        "Uid" => Ids(SyscallNumber.Getresuid),
        "Gid" => Ids(SyscallNumber.Getresgid),
        "Groups" => string.Empty,
        "NoNewPrivs" or "Seccomp" => "0",
        _ => null,
    };

    /// <summary>The calling thread's real, effective, saved ids and the effective one again for the fs id.</summary>
    private static string Ids(SyscallNumber call)
    {
        Span<byte> ids = stackalloc byte[3 * sizeof(uint)];
        long r = HostLinux.Syscall((long)call, ids[..4], 0, ids.Slice(4, 4), 1, ids.Slice(8, 4), 2, [0, 0, 0, 0, 0, 0]);
        if (r < 0)
        {
            return "0\t0\t0\t0";
        }

        uint real = BitConverter.ToUInt32(ids[..4]);
        uint effective = BitConverter.ToUInt32(ids.Slice(4, 4));
        uint saved = BitConverter.ToUInt32(ids.Slice(8, 4));
        return string.Create(CultureInfo.InvariantCulture, $"{real}\t{effective}\t{saved}\t{effective}");
    }

    /// <summary>"queued/limit": no guest signal is queued beyond its pending bit; the limit is RLIMIT_SIGPENDING.</summary>
    private static string SignalQueue()
    {
        Span<byte> limit = stackalloc byte[2 * sizeof(ulong)];
        const int RlimitSigPending = 11;
        long r = HostLinux.Syscall((long)SyscallNumber.Prlimit64, limit, 3, [0, RlimitSigPending, 0, 0, 0, 0]);
        ulong current = r < 0 ? 0 : BitConverter.ToUInt64(limit[..8]);
        return string.Create(CultureInfo.InvariantCulture, $"0/{current}");
    }

    private static string Kb(ulong bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / KiB,8} kB");

    private static string Hex(ulong mask) => mask.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The sizes <c>status</c> reports of the guest's memory.</summary>
    private readonly record struct MemorySummary(ulong Total, ulong Resident, ulong Stack, ulong Executable, ulong Data)
    {
        internal static MemorySummary Of(ThreadGroup g)
        {
            ulong total = 0, stack = 0, exe = 0, shared = 0;
            foreach (MemoryAreaInfo a in g.Space.GetAreas())
            {
                total += a.Range.Size;
                if (a.Kind == MemoryAreaKind.Shared)
                {
                    shared += a.Range.Size;
                }

                stack += Overlap(a.Range.Start.Value, a.Range.End.Value, GuestLayout.StackBottom, GuestLayout.StackTop);
                foreach (ImageFileRange r in g.Image.FileRanges)
                {
                    if ((a.Flags & MappingFlags.Execute) != 0)
                    {
                        exe += Overlap(a.Range.Start.Value, a.Range.End.Value, r.Start, r.End);
                    }
                }
            }

            ulong data = total - Math.Min(total, stack + exe + shared);
            return new MemorySummary(total, (ulong)g.Space.ResidentPages * Pages.Size4K, stack, exe, data);
        }

        private static ulong Overlap(ulong start, ulong end, ulong otherStart, ulong otherEnd)
        {
            ulong s = Math.Max(start, otherStart);
            ulong e = Math.Min(end, otherEnd);
            return e > s ? e - s : 0;
        }
    }
}
