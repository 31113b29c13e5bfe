using System;
using System.Globalization;
using System.IO;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// A guest process's resource limits (<c>getrlimit</c>, <c>setrlimit</c>, <c>prlimit64</c>): kept per guest process,
/// inherited across fork and execve through the hand-off, validated with Linux's rules, and recorded rather than applied
/// to the host runner (whose own limits are the runtime's). The first guest starts from the runner's host limits, except
/// <c>RLIMIT_NOFILE</c>, whose soft limit is the guest descriptor table's size (raising it does not grow the table,
/// which stays at <see cref="FdTable.Limit"/>).
/// </summary>
public sealed class ResourceLimits
{
    /// <summary><c>RLIM_NLIMITS</c>: resources are numbered 0 to 15.</summary>
    public const int Count = 16;

    /// <summary><c>RLIMIT_NOFILE</c>.</summary>
    public const int NoFile = 7;

    /// <summary><c>fs.nr_open</c>'s default, used when the host's value cannot be read.</summary>
    private const ulong DefaultNrOpen = 1UL << 20;

    private const string NrOpenPath = "/proc/sys/fs/nr_open";

    private readonly RLimit[] _limits = new RLimit[Count];

    private ResourceLimits()
    {
    }

    /// <summary>The limits of the first guest: the runner's host limits, <c>RLIMIT_NOFILE</c>'s soft limit capped at
    /// <see cref="FdTable.Limit"/>.</summary>
    /// <returns>The limits.</returns>
    public static ResourceLimits FromHost()
    {
        var limits = new ResourceLimits();
        Span<byte> raw = stackalloc byte[16];
        for (int resource = 0; resource < Count; resource++)
        {
            raw.Clear();
            long r = HostLinux.Syscall((long)SyscallNumber.Prlimit64, raw, 3, [0, resource, 0, 0, 0, 0]);
            ulong cur = r < 0 ? ulong.MaxValue : BitConverter.ToUInt64(raw);
            ulong max = r < 0 ? ulong.MaxValue : BitConverter.ToUInt64(raw[8..]);
            if (resource == NoFile)
            {
                cur = Math.Min(cur, FdTable.Limit);
                max = Math.Max(max, cur);
            }

            limits._limits[resource] = new RLimit { Current = cur, Maximum = max };
        }

        return limits;
    }

    /// <summary>Limits from <see cref="ToArray"/>'s values (the hand-off).</summary>
    /// <param name="values">Soft then hard limit of each resource, <see cref="Count"/> pairs.</param>
    /// <returns>The limits, or null when a pair is inverted or the count is wrong.</returns>
    public static ResourceLimits? FromArray(ReadOnlySpan<ulong> values)
    {
        if (values.Length != Count * 2)
        {
            return null;
        }

        var limits = new ResourceLimits();
        for (int i = 0; i < Count; i++)
        {
            if (values[2 * i] > values[(2 * i) + 1])
            {
                return null;
            }

            limits._limits[i] = new RLimit { Current = values[2 * i], Maximum = values[(2 * i) + 1] };
        }

        return limits;
    }

    /// <summary>Soft then hard limit of each resource, for the hand-off.</summary>
    /// <returns><see cref="Count"/> pairs.</returns>
    public ulong[] ToArray()
    {
        ulong[] values = new ulong[Count * 2];
        for (int i = 0; i < Count; i++)
        {
            values[2 * i] = _limits[i].Current;
            values[(2 * i) + 1] = _limits[i].Maximum;
        }

        return values;
    }

    /// <summary>Reads one limit.</summary>
    /// <param name="resource">The guest's resource number (any value).</param>
    /// <param name="limit">The limit.</param>
    /// <returns>True, or false for a resource Linux does not have (EINVAL).</returns>
    public bool TryGet(ulong resource, out RLimit limit)
    {
        limit = default;
        if (resource >= Count)
        {
            return false;
        }

        limit = _limits[resource];
        return true;
    }

    /// <summary>Changes one limit with Linux's checks (<c>do_prlimit</c>): an unknown resource or a soft limit above the
    /// hard one is EINVAL; an <c>RLIMIT_NOFILE</c> hard limit above <c>fs.nr_open</c>, or raising a hard limit without
    /// privilege, is EPERM.</summary>
    /// <param name="resource">The guest's resource number (any value).</param>
    /// <param name="limit">The new limit.</param>
    /// <param name="privileged">Whether the process may raise hard limits (CAP_SYS_RESOURCE).</param>
    /// <returns><see cref="LinuxError.None"/> or the error.</returns>
    public LinuxError TrySet(ulong resource, RLimit limit, bool privileged)
    {
        if (resource >= Count || limit.Current > limit.Maximum)
        {
            return LinuxError.EINVAL;
        }

        if (resource == NoFile && limit.Maximum > NrOpen.Value)
        {
            return LinuxError.EPERM;
        }

        if (limit.Maximum > _limits[resource].Maximum && !privileged)
        {
            return LinuxError.EPERM;
        }

        _limits[resource] = limit;
        return LinuxError.None;
    }

    /// <summary>Raises this host process's own RLIMIT_NOFILE soft limit to its hard limit: every guest descriptor is
    /// a host descriptor of the runner, so a guest that raises its own limit (Go does at startup) must not find the
    /// runner's smaller. Call once at startup, before the first guest's limits are read (they keep the usual soft
    /// limit of <see cref="FdTable.Limit"/>).</summary>
    public static void RaiseHostFileLimit()
    {
        Span<byte> raw = stackalloc byte[2 * sizeof(ulong)];
        if (HostLinux.Syscall((long)SyscallNumber.Prlimit64, raw, 3, [0, NoFile, 0, 0, 0, 0]) < 0)
        {
            return;
        }

        raw[sizeof(ulong)..].CopyTo(raw); // soft = hard
        _ = HostLinux.Syscall((long)SyscallNumber.Prlimit64, raw, 2, [0, NoFile, 0, 0, 0, 0]);
    }

    private static readonly Lazy<ulong> NrOpen = new(ReadNrOpen);

    private static ulong ReadNrOpen()
    {
        try
        {
            return ulong.Parse(File.ReadAllText(NrOpenPath).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return DefaultNrOpen;
        }
    }
}
