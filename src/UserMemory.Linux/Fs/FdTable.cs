using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace UserMemory.Linux.Fs;

/// <summary>
/// The guest's file descriptors: guest number → host descriptor plus the guest's close-on-exec flag. The host
/// descriptors never carry close-on-exec themselves (they must survive the host <c>execve</c> that runs the next
/// guest program); the guest's flag is applied by closing them at the guest's <c>execve</c>. The .NET runtime's own
/// descriptors never appear here, so a guest <c>dup2(x, 10)</c> only changes this table.
/// </summary>
public sealed class FdTable
{
    /// <summary>The highest guest descriptor plus one (RLIMIT_NOFILE's usual soft limit).</summary>
    public const int Limit = 1024;

    private readonly Dictionary<int, Entry> _entries = new();

    /// <summary>A table with guest 0, 1 and 2 bound to host 0, 1 and 2.</summary>
    /// <returns>The table.</returns>
    public static FdTable WithStandardStreams()
    {
        var t = new FdTable();
        for (int i = 0; i < 3; i++)
        {
            t._entries[i] = new Entry(i, false);
        }

        return t;
    }

    /// <summary>The number of open guest descriptors.</summary>
    public int Count => _entries.Count;

    /// <summary>The open guest descriptors in ascending order.</summary>
    /// <returns>The numbers.</returns>
    public IReadOnlyList<int> GuestDescriptors()
    {
        var list = new List<int>(_entries.Keys);
        list.Sort();
        return list;
    }

    /// <summary>The host descriptor behind <paramref name="guestFd"/>.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The host descriptor, or -1 when closed (EBADF).</returns>
    public int HostOf(long guestFd) =>
        guestFd >= 0 && guestFd < Limit && _entries.TryGetValue((int)guestFd, out Entry e) ? e.HostFd : -1;

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
        if (HostOf(guestFd) < 0)
        {
            return false;
        }

        Entry e = _entries[(int)guestFd];
        _entries[(int)guestFd] = e with { CloseOnExec = closeOnExec };
        return true;
    }

    /// <summary>Binds <paramref name="hostFd"/> to the lowest free guest number not below <paramref name="lowest"/>.</summary>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <param name="lowest">The smallest acceptable guest number (F_DUPFD's argument).</param>
    /// <returns>The guest number, or -EMFILE (-24) when none is free, or -EINVAL (-22) for a bad lower bound.</returns>
    public int Add(int hostFd, bool closeOnExec, long lowest = 0)
    {
        if (lowest < 0 || lowest >= Limit)
        {
            return -22;
        }

        for (int fd = (int)lowest; fd < Limit; fd++)
        {
            if (!_entries.ContainsKey(fd))
            {
                _entries[fd] = new Entry(hostFd, closeOnExec);
                return fd;
            }
        }

        return -24;
    }

    /// <summary>Binds <paramref name="hostFd"/> to guest number <paramref name="guestFd"/>, replacing what was there.</summary>
    /// <param name="guestFd">The guest number (0 ≤ n &lt; <see cref="Limit"/>).</param>
    /// <param name="hostFd">The host descriptor.</param>
    /// <param name="closeOnExec">The guest's close-on-exec flag.</param>
    /// <returns>The host descriptor previously bound there (for the caller to close), or -1.</returns>
    public int Place(int guestFd, int hostFd, bool closeOnExec)
    {
        if (guestFd < 0 || guestFd >= Limit)
        {
            throw new ArgumentOutOfRangeException(nameof(guestFd));
        }

        int previous = _entries.TryGetValue(guestFd, out Entry e) ? e.HostFd : -1;
        _entries[guestFd] = new Entry(hostFd, closeOnExec);
        return previous;
    }

    /// <summary>Unbinds a guest descriptor.</summary>
    /// <param name="guestFd">The guest descriptor.</param>
    /// <returns>The host descriptor it was bound to (for the caller to close), or -1 when it was not open.</returns>
    public int Remove(long guestFd)
    {
        int host = HostOf(guestFd);
        if (host >= 0)
        {
            _entries.Remove((int)guestFd);
        }

        return host;
    }

    /// <summary>Unbinds every close-on-exec descriptor (the guest's <c>execve</c>).</summary>
    /// <returns>Their host descriptors, for the caller to close.</returns>
    public IReadOnlyList<int> RemoveCloseOnExec()
    {
        var closed = new List<int>();
        foreach (int fd in GuestDescriptors())
        {
            if (_entries[fd].CloseOnExec)
            {
                closed.Add(_entries[fd].HostFd);
                _entries.Remove(fd);
            }
        }

        return closed;
    }

    /// <summary>The table as text, <c>guest:host[:c],...</c> (c = close-on-exec), for handing to the next process.</summary>
    /// <returns>The text ("-" for an empty table).</returns>
    public string Serialize()
    {
        var sb = new StringBuilder();
        foreach (int fd in GuestDescriptors())
        {
            Entry e = _entries[fd];
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(fd.ToString(CultureInfo.InvariantCulture)).Append(':').Append(e.HostFd.ToString(CultureInfo.InvariantCulture));
            if (e.CloseOnExec)
            {
                sb.Append(":c");
            }
        }

        return sb.Length == 0 ? "-" : sb.ToString();
    }

    /// <summary>Parses <see cref="Serialize"/>'s text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The table.</returns>
    /// <exception cref="FormatException">Malformed text (a runner bug, not a guest input).</exception>
    public static FdTable Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = new FdTable();
        if (text == "-")
        {
            return t;
        }

        foreach (string item in text.Split(','))
        {
            string[] parts = item.Split(':');
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] != "c"))
            {
                throw new FormatException("Bad descriptor table entry: " + item);
            }

            int guest = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int host = int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (guest < 0 || guest >= Limit || host < 0)
            {
                throw new FormatException("Descriptor out of range: " + item);
            }

            t._entries[guest] = new Entry(host, parts.Length == 3);
        }

        return t;
    }

    private readonly record struct Entry(int HostFd, bool CloseOnExec);
}
