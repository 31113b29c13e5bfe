using System;
using System.Collections.Generic;

namespace UserMemory.AddressSpace.Tests.Support;

/// <summary>
/// A deliberately naive, page-granular model of an address space: per page its flags (or unmapped), whether it is
/// populated, whether it is shared (and which page of the one shared object), and the bytes of every page. Everything
/// the real implementation answers is derived from these arrays by brute force.
/// </summary>
internal sealed class PageModel
{
    public const int SharedPages = 8;

    public PageModel(int pages, ulong limitPages, int hostBudget, bool guestView)
    {
        PageCount = pages;
        Flags = new MappingFlags?[pages];
        Populated = new bool[pages];
        SharedPage = new int[pages];
        Array.Fill(SharedPage, -1);
        AreaId = new int[pages];
        Lazy = new bool[pages];
        Private = new byte[pages * (int)Spaces.Page];
        Shared = new byte[SharedPages * (int)Spaces.Page];
        LimitPages = limitPages;
        HostBudget = hostBudget;
        GuestView = guestView;
    }

    private int _lastAreaId;

    public int PageCount { get; }

    public MappingFlags?[] Flags { get; private set; }

    public bool[] Populated { get; private set; }

    /// <summary>The shared object's page mapped here, or -1 for private/unmapped.</summary>
    public int[] SharedPage { get; private set; }

    /// <summary>Which area a page belongs to: an area is a maximal run of pages with one id (every map, and every
    /// protection change of part of an area, makes a new one; a protection to the same flags splits nothing).</summary>
    public int[] AreaId { get; }

    /// <summary>Whether the page lies in a lazy private area (populated on first touch).</summary>
    public bool[] Lazy { get; }

    public byte[] Private { get; }

    public byte[] Shared { get; }

    public ulong LimitPages { get; }

    public int HostBudget { get; }

    public bool GuestView { get; }

    public ulong CommittedPages
    {
        get
        {
            ulong n = 0;
            for (int p = 0; p < PageCount; p++)
            {
                if (Flags[p] is not null && SharedPage[p] < 0 && Populated[p])
                {
                    n++;
                }
            }

            return n;
        }
    }

    public long ResidentPages
    {
        get
        {
            long n = 0;
            for (int p = 0; p < PageCount; p++)
            {
                if (Flags[p] is not null && Populated[p])
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>Host mappings both views need: a new mapping starts wherever the backing file, its offsets or (in the
    /// guest view) the protection change. The part of the views below the user range is one unmapped run.</summary>
    public int HostMappings() => HostMappings(Flags, SharedPage);

    public int HostMappings(MappingFlags?[] flags, int[] sharedPage)
    {
        int kernel = 1;
        int guest = 1;
        for (int p = 0; p < PageCount; p++)
        {
            int prevShared = p == 0 ? -1 : sharedPage[p - 1];
            int prevProt = p == 0 ? 0 : Protection(flags[p - 1]);
            bool fileBreak = (prevShared < 0) != (sharedPage[p] < 0) || (sharedPage[p] >= 0 && prevShared + 1 != sharedPage[p]);
            if (fileBreak)
            {
                kernel++;
                guest++;
            }
            else if (prevProt != Protection(flags[p]))
            {
                guest++;
            }
        }

        return GuestView ? kernel + guest : kernel;
    }

    public static int Protection(MappingFlags? flags) =>
        flags is { } f ? (int)(f & (MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute)) : 0;

    /// <summary>The expected <c>/proc/self/maps</c> permissions of a guest-view page.</summary>
    public string GuestPermissions(int page)
    {
        int prot = Protection(Flags[page]);
        return $"{((prot & 1) != 0 ? 'r' : '-')}{((prot & 2) != 0 ? 'w' : '-')}{((prot & 4) != 0 ? 'x' : '-')}s";
    }

    public bool InRange(int start, int pages) => start >= 0 && pages > 0 && start + pages <= PageCount;

    public LinuxError Map(int start, int pages, MappingFlags flags, bool populate, int sharedOffset, byte[]? contents)
    {
        for (int p = start; p < start + pages; p++)
        {
            if (Flags[p] is not null)
            {
                return LinuxError.EEXIST;
            }
        }

        bool shared = sharedOffset >= 0;
        if (!shared && populate && CommittedPages + (ulong)pages > LimitPages)
        {
            return LinuxError.ENOMEM;
        }

        MappingFlags?[] flagsAfter = (MappingFlags?[])Flags.Clone();
        int[] sharedAfter = (int[])SharedPage.Clone();
        for (int p = start; p < start + pages; p++)
        {
            flagsAfter[p] = flags;
            sharedAfter[p] = shared ? sharedOffset + (p - start) : -1;
        }

        if (HostMappings(flagsAfter, sharedAfter) > HostBudget)
        {
            return LinuxError.ENOMEM;
        }

        Flags = flagsAfter;
        SharedPage = sharedAfter;
        int id = ++_lastAreaId;
        for (int p = start; p < start + pages; p++)
        {
            Populated[p] = shared || populate;
            AreaId[p] = id;
            Lazy[p] = !shared && !populate;
        }

        contents?.CopyTo(Private, start * (int)Spaces.Page);
        return LinuxError.None;
    }

    public LinuxError Unmap(int start, int pages)
    {
        MappingFlags?[] flagsAfter = (MappingFlags?[])Flags.Clone();
        int[] sharedAfter = (int[])SharedPage.Clone();
        for (int p = start; p < start + pages; p++)
        {
            flagsAfter[p] = null;
            sharedAfter[p] = -1;
        }

        if (HostMappings(flagsAfter, sharedAfter) > HostBudget)
        {
            return LinuxError.ENOMEM;
        }

        for (int p = start; p < start + pages; p++)
        {
            if (Flags[p] is not null && SharedPage[p] < 0)
            {
                Array.Clear(Private, p * (int)Spaces.Page, (int)Spaces.Page);
            }

            Populated[p] = false;
            AreaId[p] = 0;
            Lazy[p] = false;
        }

        Flags = flagsAfter;
        SharedPage = sharedAfter;
        return LinuxError.None;
    }

    public LinuxError Protect(int start, int pages, MappingFlags flags)
    {
        MappingFlags?[] flagsAfter = (MappingFlags?[])Flags.Clone();
        for (int p = start; p < start + pages; p++)
        {
            if (flagsAfter[p] is not null)
            {
                flagsAfter[p] = flags;
            }
        }

        if (HostMappings(flagsAfter, SharedPage) > HostBudget)
        {
            return LinuxError.ENOMEM;
        }

        System.Collections.Generic.Dictionary<int, int> pieces = [];
        for (int p = start; p < start + pages; p++)
        {
            if (Flags[p] is { } old && old != flags)
            {
                if (!pieces.TryGetValue(AreaId[p], out int piece))
                {
                    piece = ++_lastAreaId;
                    pieces.Add(AreaId[p], piece);
                }

                AreaId[p] = piece;
            }
        }

        Flags = flagsAfter;
        return LinuxError.None;
    }

    /// <summary>A CPU fault on <paramref name="page"/> with <paramref name="access"/>: a write fault in a lazy private
    /// area populates the aligned <paramref name="window"/> clipped to the area (all or nothing), falling back to the
    /// page alone; any other fault populates the page. A fault on a populated page (a CPU without its entry) changes
    /// nothing.</summary>
    public bool Fault(int page, MappingFlags access, int window, int pageBase)
    {
        if (!Covered(page, page, access))
        {
            return false;
        }

        if (Populated[page])
        {
            return true;
        }

        if (window > 1 && (access & MappingFlags.Write) != 0 && Lazy[page] && SharedPage[page] < 0)
        {
            int absolute = pageBase + page;
            int windowStart = Math.Max((absolute & ~(window - 1)) - pageBase, 0);
            int windowEnd = Math.Min((absolute | (window - 1)) + 1 - pageBase, PageCount);
            int from = page;
            while (from > windowStart && AreaId[from - 1] == AreaId[page])
            {
                from--;
            }

            int to = page + 1;
            while (to < windowEnd && AreaId[to] == AreaId[page])
            {
                to++;
            }

            if (Populate(from, to) == LinuxError.None)
            {
                return true;
            }
        }

        return Populate(page, page + 1) == LinuxError.None;
    }

    /// <summary>Populates pages <c>[start, end)</c> (all mapped): all or nothing.</summary>
    public LinuxError Populate(int start, int end)
    {
        ulong missing = 0;
        for (int p = start; p < end; p++)
        {
            if (SharedPage[p] < 0 && !Populated[p])
            {
                missing++;
            }
        }

        if (CommittedPages + missing > LimitPages)
        {
            return LinuxError.ENOMEM;
        }

        for (int p = start; p < end; p++)
        {
            Populated[p] = true;
        }

        return LinuxError.None;
    }

    /// <summary>Whether every page of <c>[first, last]</c> is mapped with <paramref name="access"/>.</summary>
    public bool Covered(long first, long last, MappingFlags access)
    {
        for (long p = first; p <= last; p++)
        {
            if (p < 0 || p >= PageCount || Flags[p] is not { } f || (f & access) != access)
            {
                return false;
            }
        }

        return true;
    }

    public ref byte Byte(int page, int offset) =>
        ref SharedPage[page] >= 0 ? ref Shared[(SharedPage[page] * (int)Spaces.Page) + offset] : ref Private[(page * (int)Spaces.Page) + offset];

    public IEnumerable<int> MappedPages()
    {
        for (int p = 0; p < PageCount; p++)
        {
            if (Flags[p] is not null)
            {
                yield return p;
            }
        }
    }
}
