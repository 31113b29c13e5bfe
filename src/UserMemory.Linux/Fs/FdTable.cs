using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>
/// The guest's descriptor table, fully virtual: guest number → open file description (<see cref="HostFile"/> or
/// <see cref="SyntheticFile"/>) plus the guest's close-on-exec flag. The runner's own descriptors (address-space
/// memfd, hand-off pipes, trace output, the .NET runtime's) are never entered, so no guest number, <c>dup</c>,
/// <c>fcntl(F_DUPFD)</c>, <c>close_range</c> or <c>/proc/self/fd</c> reaches them. Host descriptors never carry
/// close-on-exec themselves (they must survive the host <c>execve</c> that runs the next guest program); the guest's
/// flag is applied by closing them at the guest's <c>execve</c>.
/// </summary>
public sealed class FdTable
{
    /// <summary>The highest guest descriptor plus one (RLIMIT_NOFILE's usual soft limit).</summary>
    public const int Limit = 1024;

    private const int StandardStreams = 3;
    private const string EmptyText = "-";
    private const string CloseOnExecMark = "c";
    private const char SyntheticMark = '@';
    private const char SignalFdMark = '!';
    private const char SyntheticFieldSeparator = '.';

    private readonly SortedDictionary<int, Entry> _entries = new();

    /// <summary>A table with guest 0, 1 and 2 bound to host 0, 1 and 2.</summary>
    /// <returns>The table.</returns>
    public static FdTable WithStandardStreams()
    {
        var t = new FdTable();
        for (int i = 0; i < StandardStreams; i++)
        {
            t._entries[i] = new Entry(new HostFile(i), false);
        }

        return t;
    }

    /// <summary>The number of open guest descriptors.</summary>
    public int Count => _entries.Count;

    /// <summary>The open guest descriptors in ascending order.</summary>
    /// <returns>The numbers.</returns>
    public IReadOnlyList<int> GuestDescriptors() => new List<int>(_entries.Keys);

    /// <summary>The open file description behind <paramref name="guestFd"/>.</summary>
    /// <param name="guestFd">The guest descriptor (any value the guest passed).</param>
    /// <returns>The description, or null when closed or out of range (EBADF).</returns>
    public OpenFile? Get(long guestFd) =>
        guestFd >= 0 && guestFd < Limit && _entries.TryGetValue((int)guestFd, out Entry e) ? e.File : null;

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
    public bool IsCloseOnExec(long guestFd) =>
        guestFd >= 0 && guestFd < Limit && _entries.TryGetValue((int)guestFd, out Entry e) && e.CloseOnExec;

    /// <summary>Sets the guest's close-on-exec flag.</summary>
    /// <param name="guestFd">An open guest descriptor.</param>
    /// <param name="closeOnExec">The flag.</param>
    /// <returns>False when the descriptor is not open.</returns>
    public bool SetCloseOnExec(long guestFd, bool closeOnExec)
    {
        OpenFile? f = Get(guestFd);
        if (f is null)
        {
            return false;
        }

        _entries[(int)guestFd] = new Entry(f, closeOnExec);
        return true;
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
        if (lowest < 0 || lowest >= Limit)
        {
            return -(int)LinuxError.EINVAL;
        }

        for (int fd = (int)lowest; fd < Limit; fd++)
        {
            if (!_entries.ContainsKey(fd))
            {
                _entries[fd] = new Entry(file, closeOnExec);
                return fd;
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
        if (guestFd < 0 || guestFd >= Limit)
        {
            throw new ArgumentOutOfRangeException(nameof(guestFd));
        }

        OpenFile? previous = Get(guestFd);
        _entries[guestFd] = new Entry(file, closeOnExec);
        return previous;
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
        OpenFile? f = Get(guestFd);
        if (f is not null)
        {
            _entries.Remove((int)guestFd);
        }

        return f;
    }

    /// <summary>Unbinds every open descriptor in <c>[first, last]</c> (close_range).</summary>
    /// <param name="first">The first number.</param>
    /// <param name="last">The last number (inclusive).</param>
    /// <returns>The descriptions removed, for the caller to close.</returns>
    public IReadOnlyList<OpenFile> TakeRange(long first, long last)
    {
        var taken = new List<OpenFile>();
        foreach (int fd in GuestDescriptors())
        {
            if (fd >= first && fd <= last)
            {
                taken.Add(_entries[fd].File);
                _entries.Remove(fd);
            }
        }

        return taken;
    }

    /// <summary>Sets close-on-exec on every open descriptor in <c>[first, last]</c> (close_range with CLOSE_RANGE_CLOEXEC).</summary>
    /// <param name="first">The first number.</param>
    /// <param name="last">The last number (inclusive).</param>
    public void MarkCloseOnExec(long first, long last)
    {
        foreach (int fd in GuestDescriptors())
        {
            if (fd >= first && fd <= last)
            {
                SetCloseOnExec(fd, true);
            }
        }
    }

    /// <summary>Unbinds every close-on-exec descriptor (the guest's <c>execve</c>).</summary>
    /// <returns>Their host descriptors, for the caller to close.</returns>
    public IReadOnlyList<int> RemoveCloseOnExec()
    {
        var closed = new List<int>();
        foreach (int fd in GuestDescriptors())
        {
            Entry e = _entries[fd];
            if (e.CloseOnExec)
            {
                if (e.File.HostFd >= 0)
                {
                    closed.Add(e.File.HostFd);
                }

                _entries.Remove(fd);
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
        foreach ((int fd, Entry e) in _entries)
        {
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
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int guest) || guest >= Limit
                || t._entries.ContainsKey(guest))
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

            t._entries[guest] = new Entry(file, parts.Length == 3);
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

    private readonly record struct Entry(OpenFile File, bool CloseOnExec);
}
