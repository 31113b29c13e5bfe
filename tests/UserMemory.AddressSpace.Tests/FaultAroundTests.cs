using System;
using System.Linq;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// Anonymous fault-around (<see cref="AddrSpaceOptions.AnonymousFaultAroundPages"/>): a write fault in a lazy private
/// anonymous area populates the aligned window around the page, clipped to the area, counted against the limit page
/// by page, falling back to the single page when the window does not fit; everything else stays page-granular.
/// </summary>
public sealed class FaultAroundTests
{
    private const int Window = AddrSpaceOptions.DefaultAnonymousFaultAroundPages;
    private const MappingFlags WriteFault = MappingFlags.Write | MappingFlags.User;
    private const MappingFlags ReadFault = MappingFlags.Read | MappingFlags.User;

    /// <summary>Page <paramref name="page"/> of the space (page 0 is <see cref="Spaces.Base"/>, 64 KiB: window-aligned).</summary>
    private static ulong P(ulong page) => Base + (page * Page);

    private static bool[] Populated(AddrSpace space, ulong firstPage, ulong pages) =>
        [.. Enumerable.Range(0, (int)pages).Select(i => space.IsPopulated(P(firstPage + (ulong)i)))];

    private static bool[] Expect(ulong pages, ulong from, ulong to) =>
        [.. Enumerable.Range(0, (int)pages).Select(i => (ulong)i >= from && (ulong)i < to)];

    [Fact]
    public void A_write_fault_populates_the_aligned_window_and_commits_each_page_once()
    {
        using AddrSpace space = Small();
        Assert.Equal(0UL, space.CommittedBytes); // lazy memory costs nothing until touched
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 64 * Page, RW, populate: false));
        Assert.Equal(0UL, space.CommittedBytes);

        Assert.True(space.HandlePageFault(P(21) + 123, WriteFault));
        Assert.Equal(Expect(64, 16, 32), Populated(space, 0, 64));
        Assert.Equal(16 * Page, space.CommittedBytes);
        Assert.Equal(16, space.ResidentPages);

        // Another fault in the same window: nothing more. One in the next window: 16 more.
        Assert.True(space.HandlePageFault(P(31), WriteFault));
        Assert.Equal(16 * Page, space.CommittedBytes);
        Assert.True(space.HandlePageFault(P(32), WriteFault));
        Assert.Equal(32 * Page, space.CommittedBytes);
        Assert.Equal(32, space.ResidentPages);

        // The pages read as zero and are writable through the core; MADV_DONTNEED gives all of them back.
        Assert.Equal(0, Guest.ReadByte(space, P(17) + 5).Value);
        Assert.Equal(LinuxError.None, space.DiscardPages(P(0), 64 * Page, out bool freed));
        Assert.True(freed);
        Assert.Equal(0UL, space.CommittedBytes);
        Assert.Equal(0, space.ResidentPages);
    }

    [Fact]
    public void The_window_never_leaves_the_faulting_area()
    {
        using AddrSpace space = Small();

        // Pages 0-15 are one window: a PROT_NONE reservation (0-2), the faulting area (3-9), a guard page (10), a
        // second RW mapping (11-15).
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 3 * Page, MappingFlags.User, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(3), 7 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(11), 5 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(P(5), WriteFault));
        Assert.Equal(Expect(16, 3, 10), Populated(space, 0, 16));
        Assert.Equal(7 * Page, space.CommittedBytes);

        // A protection change splits the area: the pieces are areas of their own.
        Assert.Equal(LinuxError.None, space.MapAlloc(P(16), 16 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.Protect(P(20), 4 * Page, RO));
        Assert.True(space.HandlePageFault(P(25), WriteFault));
        Assert.Equal(Expect(16, 8, 16), Populated(space, 16, 16));
        Assert.True(space.HandlePageFault(P(17), WriteFault));
        Assert.Equal(Expect(16, 0, 4).Zip(Expect(16, 8, 16), (a, b) => a || b).ToArray(), Populated(space, 16, 16));
    }

    [Fact]
    public void An_area_that_starts_and_ends_at_window_edges_gets_exactly_its_window()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(16), 16 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(P(15), WriteFault)); // the last page of a window and of an area
        Assert.Equal(Expect(32, 0, 16), Populated(space, 0, 32));
        Assert.True(space.HandlePageFault(P(16), WriteFault)); // the first page of the next
        Assert.Equal(Expect(32, 0, 32), Populated(space, 0, 32));
        Assert.Equal(32 * Page, space.CommittedBytes);
    }

    [Fact]
    public void At_the_top_of_the_address_space_the_window_stops_at_the_area_end()
    {
        using AddrSpace space = Small();
        ulong end = space.UserRange.End.Value;
        ulong start = end - (5 * Page); // the last window of the space, cut to 5 pages by an area
        Assert.Equal(LinuxError.None, space.MapAlloc(start, 5 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(end - 1, WriteFault));
        Assert.Equal(5 * Page, space.CommittedBytes);
        Assert.All(Enumerable.Range(0, 5), i => Assert.True(space.IsPopulated(start + ((ulong)i * Page))));
    }

    [Fact]
    public void Pages_already_populated_are_skipped_and_not_counted_again()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        foreach (ulong page in new ulong[] { 0, 3, 4, 9, 15 })
        {
            Assert.Equal(LinuxError.None, Guest.Write(space, P(page) + 7, [(byte)(page + 1)]));
        }

        Assert.Equal(5 * Page, space.CommittedBytes);
        Assert.True(space.HandlePageFault(P(6), WriteFault));
        Assert.Equal(16 * Page, space.CommittedBytes);
        Assert.Equal(16, space.ResidentPages);
        foreach (ulong page in new ulong[] { 0, 3, 4, 9, 15 })
        {
            Assert.Equal((byte)(page + 1), Guest.ReadByte(space, P(page) + 7).Value); // contents kept
        }
    }

    [Theory]
    [InlineData(Window - 1, false)] // one page short of the window's 14 missing pages: the single page
    [InlineData(Window, true)] // exactly enough: the window
    public void A_window_over_the_limit_falls_back_to_the_faulting_page(ulong limitPages, bool windowFits)
    {
        using AddrSpace space = Small(new AddrSpaceOptions { MemoryLimit = limitPages * Page });
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 64 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(0), [1]));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1), [2]));
        Assert.True(space.HandlePageFault(P(5), WriteFault));
        Assert.Equal(windowFits ? Expect(16, 0, 16) : [.. Expect(16, 0, 2).Zip(Expect(16, 5, 6), (a, b) => a || b)], Populated(space, 0, 16));
        Assert.Equal((ulong)(windowFits ? Window : 3) * Page, space.CommittedBytes);
        Assert.Equal(windowFits ? Window : 3, space.ResidentPages);

        // Fill up with single pages; then a fault the single page cannot satisfy fails and commits nothing.
        for (ulong page = 32; space.CommittedBytes < limitPages * Page; page++)
        {
            Assert.True(space.HandlePageFault(P(page), ReadFault));
        }

        Assert.False(space.HandlePageFault(P(50), WriteFault));
        Assert.False(space.IsPopulated(P(50)));
        Assert.Equal(limitPages * Page, space.CommittedBytes);
    }

    [Fact]
    public void Read_faults_and_read_only_areas_stay_page_granular()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(16), 16 * Page, RO, populate: false));
        Assert.True(space.HandlePageFault(P(2), ReadFault));
        Assert.True(space.HandlePageFault(P(18), ReadFault));
        Assert.False(space.HandlePageFault(P(19), WriteFault)); // not writable: refused, nothing populated
        Assert.True(space.HandlePageFault(P(20), MappingFlags.User)); // access unknown: as a read
        Assert.Equal(3 * Page, space.CommittedBytes);
        Assert.Equal(Expect(32, 2, 3).Zip(Expect(32, 18, 19), (a, b) => a || b).Zip(Expect(32, 20, 21), (a, b) => a || b).ToArray(), Populated(space, 0, 32));
    }

    [Fact]
    public void Eager_and_shared_areas_are_unaffected()
    {
        using AddrSpace space = Small();
        using SharedMemory shm = SharedMemory.Create(16 * Page);
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 4 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, space.MapShared(P(4), 12 * Page, RW, shm, 0));
        Assert.Equal(4 * Page, space.CommittedBytes);
        Assert.True(space.HandlePageFault(P(1), WriteFault));
        Assert.True(space.HandlePageFault(P(9), WriteFault));
        Assert.Equal(4 * Page, space.CommittedBytes);
        Assert.Equal(16, space.ResidentPages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Zero_or_one_turns_it_off(int pages)
    {
        using AddrSpace space = Small(new AddrSpaceOptions { AnonymousFaultAroundPages = pages });
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(P(3), WriteFault));
        Assert.Equal(Expect(16, 3, 4), Populated(space, 0, 16));
    }

    [Theory]
    [InlineData(2, 4, 6)]
    [InlineData(64, 0, 48)] // page 0 is absolute page 16: the 64-page window starts 16 pages below the area
    [InlineData(512, 0, 96)]
    public void Other_window_sizes_are_honoured(int pages, ulong from, ulong to)
    {
        using AddrSpace space = Small(new AddrSpaceOptions { AnonymousFaultAroundPages = pages });
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 96 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(P(5), WriteFault));
        Assert.Equal(Expect(96, from, to), Populated(space, 0, 96));
        Assert.Equal((to - from) * Page, space.CommittedBytes);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(24)]
    [InlineData(AddrSpaceOptions.MaxAnonymousFaultAroundPages * 2)]
    public void Bad_window_sizes_are_refused(int pages) =>
        Assert.Throws<ArgumentException>(() => Small(new AddrSpaceOptions { AnonymousFaultAroundPages = pages }).Dispose());

    [Fact]
    public void No_huge_page_advice_keeps_faults_page_granular_splits_areas_and_survives_a_snapshot()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 64 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.AdviseHugePages(P(8), 16 * Page, pageGranular: true));
        Assert.Equal(
            [(P(0), P(8), false), (P(8), P(24), true), (P(24), P(64), false)],
            space.GetAreas().Select(a => (a.Range.Start.Value, a.Range.End.Value, a.NoHugePage)).ToArray());
        Assert.Contains("nohugepage", space.GetAreas()[1].ToString(), StringComparison.Ordinal);

        Assert.True(space.HandlePageFault(P(17), WriteFault));
        Assert.Equal(Expect(32, 17, 18), Populated(space, 0, 32));
        Assert.True(space.HandlePageFault(P(3), WriteFault)); // its neighbour keeps the window, clipped to its area
        Assert.Equal(Expect(32, 0, 8).Zip(Expect(32, 17, 18), (a, b) => a || b).ToArray(), Populated(space, 0, 32));

        using (AddrSpace clone = space.Clone())
        {
            Assert.True(clone.GetAreas()[1].NoHugePage);
            Assert.True(clone.HandlePageFault(P(20), WriteFault));
            Assert.False(clone.IsPopulated(P(21)));
        }

        // MADV_HUGEPAGE undoes it; an unmapped part answers ENOMEM after the mapped part changed.
        Assert.Equal(LinuxError.ENOMEM, space.AdviseHugePages(P(8), 64 * Page, pageGranular: false));
        Assert.True(space.HandlePageFault(P(9), WriteFault));
        Assert.True(space.IsPopulated(P(8)) && space.IsPopulated(P(15)));
        Assert.Equal(LinuxError.EINVAL, space.AdviseHugePages(P(0) + 1, Page, pageGranular: true));
        Assert.Equal(LinuxError.EINVAL, space.AdviseHugePages(P(0), 0, pageGranular: true));
    }

    [Fact]
    public void A_new_mapping_over_an_advised_range_starts_without_the_advice()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.AdviseHugePages(P(0), 16 * Page, pageGranular: true));
        Assert.Equal(LinuxError.None, space.Unmap(P(0), 16 * Page));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 16 * Page, RW, populate: false));
        Assert.True(space.HandlePageFault(P(0), WriteFault));
        Assert.Equal(16 * Page, space.CommittedBytes);
    }
}
