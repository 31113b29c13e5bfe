using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>
/// The guest's descriptor table, fully virtual: guest number → open file description (<see cref="HostFile"/> or
/// <see cref="SyntheticFile"/>) plus the guest's close-on-exec flag. The runner's own descriptors (address-space
/// memfd, hand-off pipes, trace output, the .NET runtime's) are never entered, so no guest number, <c>dup</c>,
/// <c>fcntl(F_DUPFD)</c>, <c>close_range</c> or <c>/proc/self/fd</c> reaches them. Host descriptors never carry
/// close-on-exec themselves (they must survive the host <c>execve</c> that runs the next guest program); the guest's
/// flag is applied by closing them at the guest's <c>execve</c>.
/// <para><b>Threads.</b> The table is shared by every task of a process (<c>CLONE_FILES</c>). Each slot holds an
/// immutable entry: lookups read one slot without a lock (a published reference is complete), and every change takes
/// the table's lock, so concurrent <c>open</c>, <c>close</c> and <c>dup</c> from several threads never tear it (a
/// guest race on one number gets one of the outcomes Linux could give).</para>
/// </summary>
public sealed class FdTable
{
    /// <summary>The table's initial size and its default <see cref="SoftLimit"/> (RLIMIT_NOFILE's usual soft limit).</summary>
    public const int Limit = 1024;

    /// <summary>The largest <see cref="SoftLimit"/>: Linux's default <c>fs.nr_open</c>.</summary>
    public const int MaxLimit = 1 << 20;

    private const int StandardStreams = 3;
    private const string EmptyText = "-";
    private const string CloseOnExecMark = "c";
    private const char SyntheticMark = '@';
    private const char SignalFdMark = '!';
    private const char SyntheticFieldSeparator = '.';

    private Entry?[] _slots = new Entry?[Limit];
    private int _softLimit = Limit;
    private readonly Lock _gate = new();
    private int _count;

    /// <summary>A table with guest 0, 1 and 2 bound to host 0, 1 and 2.</summary>
    /// <returns>The table.</returns>
    public static FdTable WithStandardStreams()
    {
        var t = new FdTable();
        for (int i = 0; i < StandardStreams; i++)
        {
            t.Store(i, new Entry(new HostFile(i), false));
        }

        return t;
    }

    /// <summary>One more than the highest number a new descriptor may get (the process's RLIMIT_NOFILE soft limit,
    /// at most <see cref="MaxLimit"/>); the slots grow on demand up to it. Lowering it closes nothing, as on Linux.</summary>
    public int SoftLimit
    {
        get => Volatile.Read(ref _softLimit);
        set => Volatile.Write(ref _softLimit, Math.Clamp(value, 0, MaxLimit));
    }

    /// <summary>The number of slots the table has now (<c>FDSize</c> in <c>/proc/PID/status</c>).</summary>
    public int Size => Volatile.Read(ref _slots).Length;

    /// <summary>The number of open guest descriptors.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The open guest descriptors in ascending order.</summary>
    /// <returns>The numbers.</returns>
    public IReadOnlyList<int> GuestDescriptors()
    {
        var open = new List<int>();
        Entry?[] slots = Volatile.Read(ref _slots);
        for (int fd = 0; fd < slots.Length; fd++)
        {
            if (Volatile.Read(ref slots[fd]) is not null)
            {
                open.Add(fd);
            }
        }

        return open;
    }

    /// <summary>The open file description behind <paramref name="guestFd"/>.</summary>
    /// <param name="guestFd">The guest descriptor (any value the guest passed).</param>
    /// <returns>The description, or null when closed or out of range (EBADF).</returns>
    public OpenFile? Get(long guestFd) => Slot(guestFd)?.File;

    /// <summary>The host descriptor behind <paramref name="guestFd"/>.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The host descriptor, or -1 when closed or synthetic.</returns>
    public int HostOf(long guestFd) => Get(guestFd)?.HostFd ?? -1;

    /// <summary>True when <paramref name="guestFd"/> is open (host or synthetic).</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>Whether it is open.</returns>
    public bool IsOpen(long guestFd) => Get(guestFd) is not null;

    /// <summary>The guest's close-on-exec flag of an open descriptor.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The flag (false when closed).</returns>
    public bool IsCloseOnExec(long guestFd) => Slot(guestFd)?.CloseOnExec ?? false;

    /// <summary>Sets the guest's close-on-exec flag.</summary>
    /// <param name="guestFd">An open guest descriptor.</param>
    /// <param name="closeOnExec">The flag.</param>
    /// <returns>False when the descriptor is not open.</returns>
    public bool SetCloseOnExec(long guestFd, bool closeOnExec)
    {
        lock (_gate)
        {
            OpenFile? f = Get(guestFd);
            if (f is null)
            {
                return false;
            }

            Store((int)guestFd, new Entry(f, closeOnExec));
            return true;
        }
    }

    /// <summary>Binds <paramref name="hostFd"/> to the lowest free guest number not below <paramref name="lowest"/>.</summary>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <param name="lowest">The smallest acceptable guest number (F_DUPFD's argument).</param>
    /// <returns>The guest number, or -EMFILE (-24) when none is free, or -EINVAL (-22) for a bad lower bound.</returns>
    public int Add(int hostFd, bool closeOnExec, long lowest = 0) => Add(new HostFile(hostFd), closeOnExec, lowest);

    /// <summary>Binds <paramref name="file"/> to the lowest free guest number not below <paramref name="lowest"/>.</summary>
    /// <param name="file">The open file description.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <param name="lowest">The smallest acceptable guest number.</param>
    /// <returns>The guest number, or -EMFILE when none is free, or -EINVAL for a bad lower bound.</returns>
    public int Add(OpenFile file, bool closeOnExec, long lowest = 0)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (lowest < 0 || lowest >= MaxLimit)
        {
            return -(int)LinuxError.EINVAL;
        }

        lock (_gate)
        {
            int limit = SoftLimit;
            for (int fd = (int)lowest; fd < limit; fd++)
            {
                if (fd >= _slots.Length || _slots[fd] is null)
                {
                    Store(fd, new Entry(file, closeOnExec));
                    return fd;
                }
            }
        }

        return -(int)LinuxError.EMFILE;
    }

    /// <summary>Binds <paramref name="hostFd"/> to guest number <paramref name="guestFd"/>, replacing what was there.</summary>
    /// <param name="guestFd">The guest number (0 ≤ n &lt; <see cref="Limit"/>).</param>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <returns>The host descriptor previously bound there (for the caller to close), or -1.</returns>
    public int Place(int guestFd, int hostFd, bool closeOnExec) => Place(guestFd, new HostFile(hostFd), closeOnExec)?.HostFd ?? -1;

    /// <summary>Binds <paramref name="file"/> to guest number <paramref name="guestFd"/>, replacing what was there.</summary>
    /// <param name="guestFd">The guest number (0 ≤ n &lt; <see cref="Limit"/>).</param>
    /// <param name="file">The open file description.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <returns>The description previously bound there (the caller releases its host descriptor), or null.</returns>
    public OpenFile? Place(int guestFd, OpenFile file, bool closeOnExec)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (guestFd < 0 || guestFd >= MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(guestFd));
        }

        lock (_gate)
        {
            OpenFile? previous = Get(guestFd);
            Store(guestFd, new Entry(file, closeOnExec));
            return previous;
        }
    }

    /// <summary>Unbinds a guest descriptor.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The host descriptor it was bound to (for the caller to close), or -1 when it was not open or synthetic.</returns>
    public int Remove(long guestFd) => Take(guestFd)?.HostFd ?? -1;

    /// <summary>Unbinds a guest descriptor and hands back its description.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The description (the caller closes its host descriptor), or null when it was not open.</returns>
    public OpenFile? Take(long guestFd)
    {
        lock (_gate)
        {
            OpenFile? f = Get(guestFd);
            if (f is not null)
            {
                Store((int)guestFd, null);
            }

            return f;
        }
    }

    /// <summary>Unbinds every open descriptor in <c>[first, last]</c> (close_range).</summary>
    /// <param name="first">The first number.</param>
    /// <param name="last">The last number (inclusive).</param>
    /// <returns>The descriptions removed, for the caller to close.</returns>
    public IReadOnlyList<OpenFile> TakeRange(long first, long last)
    {
        var taken = new List<OpenFile>();
        lock (_gate)
        {
            foreach (int fd in GuestDescriptors())
            {
                if (fd >= first && fd <= last)
                {
                    taken.Add(_slots[fd]!.File);
                    Store(fd, null);
                }
            }
        }

        return taken;
    }

    /// <summary>Sets close-on-exec on every open descriptor in <c>[first, last]</c> (close_range with CLOSE_RANGE_CLOEXEC).</summary>
    /// <param name="first">The first number.</param>
    /// <param name="last">The last number (inclusive).</param>
    public void MarkCloseOnExec(long first, long last)
    {
        lock (_gate)
        {
            foreach (int fd in GuestDescriptors())
            {
                if (fd >= first && fd <= last)
                {
                    SetCloseOnExec(fd, true);
                }
            }
        }
    }

    /// <summary>Unbinds every close-on-exec descriptor (the guest's <c>execve</c>).</summary>
    /// <returns>Their host descriptors, for the caller to close.</returns>
    public IReadOnlyList<int> RemoveCloseOnExec()
    {
        var closed = new List<int>();
        lock (_gate)
        {
            foreach (int fd in GuestDescriptors())
            {
                Entry e = _slots[fd]!;
                if (e.CloseOnExec)
                {
                    if (e.File.HostFd >= 0)
                    {
                        closed.Add(e.File.HostFd);
                    }

                    Store(fd, null);
                }
            }
        }

        return closed;
    }

    /// <summary>The table as text for handing to the next process: <c>guest:host[:c]</c> for a host descriptor,
    /// <c>guest:@kind.pid.tid.fd.offset[:c]</c> for a synthetic one, <c>guest:!host.mask[:c]</c> for a signalfd
    /// (c = close-on-exec), comma-separated.</summary>
    /// <returns>The text ("-" for an empty table).</returns>
    public string Serialize()
    {
        var sb = new StringBuilder();
        foreach (int fd in GuestDescriptors())
        {
            if (Slot(fd) is not Entry e)
            {
                continue; // closed by another thread meanwhile
            }

            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(fd.ToString(CultureInfo.InvariantCulture)).Append(':');
            if (e.File is SyntheticFile s)
            {
                sb.Append(SyntheticMark).Append(CultureInfo.InvariantCulture, $"{(int)s.Node.Kind}.{s.Node.Pid}.{s.Node.Tid}.{s.Node.Fd}.{s.Offset}");
            }
            else if (e.File is SignalFdFile signalFd)
            {
                sb.Append(SignalFdMark).Append(CultureInfo.InvariantCulture, $"{signalFd.HostFd}.{signalFd.Mask.Value}");
            }
            else
            {
                sb.Append(e.File.HostFd.ToString(CultureInfo.InvariantCulture));
            }

            if (e.CloseOnExec)
            {
                sb.Append(':').Append(CloseOnExecMark);
            }
        }

        return sb.Length == 0 ? EmptyText : sb.ToString();
    }

    /// <summary>Runs <paramref name="launch"/> with the table's text while no descriptor can be added, replaced or
    /// removed: what a fork child is told it has and the host descriptors it inherits agree, even when other threads
    /// open and close descriptors meanwhile (a description removed before this point is closed by its remover; one
    /// whose host descriptor exists but is entered only after it is not in the text, and the child closes it as a
    /// stray, see <see cref="Process.StrayDescriptors"/>). Lookups go on without waiting.</summary>
    /// <typeparam name="T">The launch's result.</typeparam>
    /// <param name="launch">Receives <see cref="Serialize"/>'s text and starts the child; it must not block on the
    /// guest or change this table.</param>
    /// <returns>What <paramref name="launch"/> returned.</returns>
    internal T WhileFrozen<T>(Func<string, T> launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        lock (_gate)
        {
            return launch(Serialize());
        }
    }

    /// <summary>The host descriptors the table's entries hold (for <see cref="Process.StrayDescriptors"/>).</summary>
    /// <returns>The host numbers, without the synthetic entries' -1.</returns>
    internal HashSet<int> HostDescriptors()
    {
        var hosts = new HashSet<int>();
        foreach (int fd in GuestDescriptors())
        {
            if (Slot(fd) is Entry e && e.File.HostFd >= 0)
            {
                hosts.Add(e.File.HostFd);
            }
        }

        return hosts;
    }

    /// <summary>Parses <see cref="Serialize"/>'s text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The table.</returns>
    /// <exception cref="FormatException">Malformed text.</exception>
    public static FdTable Parse(string text) =>
        TryParse(text, out FdTable? table, out string? error) ? table! : throw new FormatException(error);

    /// <summary>Parses <see cref="Serialize"/>'s text without throwing (for hand-off validation).</summary>
    /// <param name="text">The text.</param>
    /// <param name="table">The table, when valid.</param>
    /// <param name="error">Why the text was rejected.</param>
    /// <returns>True when valid.</returns>
    public static bool TryParse(string? text, out FdTable? table, out string? error)
    {
        table = null;
        error = null;
        if (text is null)
        {
            error = "No descriptor table.";
            return false;
        }

        var t = new FdTable();
        if (text == EmptyText)
        {
            table = t;
            return true;
        }

        foreach (string item in text.Split(','))
        {
            string[] parts = item.Split(':');
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != CloseOnExecMark)
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int guest) || guest >= MaxLimit
                || t.Slot(guest) is not null)
            {
                error = "Bad descriptor table entry: " + item;
                return false;
            }

            OpenFile? file = parts[1].Length > 0 && parts[1][0] == SyntheticMark
                ? ParseSynthetic(parts[1].AsSpan(1))
                : parts[1].Length > 0 && parts[1][0] == SignalFdMark
                ? ParseSignalFd(parts[1].AsSpan(1))
                : int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int host) ? new HostFile(host) : null;
            if (file is null)
            {
                error = "Bad descriptor table entry: " + item;
                return false;
            }

            t.Store(guest, new Entry(file, parts.Length == 3));
        }

        table = t;
        return true;
    }

    private static SignalFdFile? ParseSignalFd(ReadOnlySpan<char> text)
    {
        Span<Range> fields = stackalloc Range[3];
        return text.Split(fields, SyntheticFieldSeparator) == 2
            && int.TryParse(text[fields[0]], NumberStyles.None, CultureInfo.InvariantCulture, out int host)
            && ulong.TryParse(text[fields[1]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong mask)
            ? new SignalFdFile(host, new SignalFdMask(mask))
            : null;
    }

    private static SyntheticFile? ParseSynthetic(ReadOnlySpan<char> text)
    {
        Span<Range> fields = stackalloc Range[6];
        if (text.Split(fields, SyntheticFieldSeparator) != 5
            || !int.TryParse(text[fields[0]], NumberStyles.None, CultureInfo.InvariantCulture, out int kind)
            || !Enum.IsDefined((ProcNodeKind)kind) || kind == (int)ProcNodeKind.None
            || !int.TryParse(text[fields[1]], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || !int.TryParse(text[fields[2]], NumberStyles.None, CultureInfo.InvariantCulture, out int tid)
            || !int.TryParse(text[fields[3]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int fd)
            || !long.TryParse(text[fields[4]], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
        {
            return null;
        }

        return new SyntheticFile(new ProcNode((ProcNodeKind)kind, pid, tid, fd), 0) { Offset = offset };
    }

    private Entry? Slot(long guestFd)
    {
        Entry?[] slots = Volatile.Read(ref _slots);
        return guestFd >= 0 && guestFd < slots.Length ? Volatile.Read(ref slots[guestFd]) : null;
    }

    /// <summary>Publishes <paramref name="entry"/> (null to free the slot). Call under <see cref="_gate"/>, or on a
    /// table no other thread sees yet.</summary>
    private void Store(int fd, Entry? entry)
    {
        if (fd >= _slots.Length)
        {
            // Grow by doubling (readers holding the old array see a snapshot; every write goes to the current one).
            Entry?[] grown = new Entry?[Math.Min(MaxLimit, Math.Max(fd + 1, _slots.Length * 2))];
            Array.Copy(_slots, grown, _slots.Length);
            Volatile.Write(ref _slots, grown);
        }

        Entry? previous = _slots[fd];
        Volatile.Write(ref _slots[fd], entry);
        _count += (entry is null ? 0 : 1) - (previous is null ? 0 : 1);
    }

    private sealed record Entry(OpenFile File, bool CloseOnExec);
}
