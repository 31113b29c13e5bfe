using System;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class FindFreeAreaTests
{
    private static ulong P(ulong page) => Base + (page * Page);

    private static AddrSpace Layout()
    {
        // Areas at pages [2,4), [6,7), [10,16).
        AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(2), 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(6), Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(10), 6 * Page, RW, populate: false));
        return space;
    }

    private static VirtAddr? Find(AddrSpace space, ulong hint, ulong size, ulong limitStart, ulong limitEnd, ulong alignment = Page) =>
        space.TryFindFreeArea(hint, size, new VirtAddrRange(limitStart, limitEnd), alignment, out VirtAddr start) ? start : null;

    [Fact]
    public void Finds_the_first_gap_at_or_above_the_hint()
    {
        using AddrSpace space = Layout();
        ulong all = space.UserRange.End.Value;
        Assert.Equal(new VirtAddr(P(0)), Find(space, P(0), 2 * Page, Base, all));
        Assert.Equal(new VirtAddr(P(4)), Find(space, P(2), 2 * Page, Base, all));   // hint inside an area
        Assert.Equal(new VirtAddr(P(7)), Find(space, P(4), 3 * Page, Base, all));   // [4,6) too small
        Assert.Equal(new VirtAddr(P(16)), Find(space, P(4), 4 * Page, Base, all));
        Assert.Equal(new VirtAddr(P(5)), Find(space, P(5), Page, Base, all));
        Assert.Equal(new VirtAddr(P(4)), Find(space, P(3) + 1, Page, Base, all));    // unaligned hint rounds up
    }

    [Fact]
    public void Wraps_around_to_the_limit_start()
    {
        using AddrSpace space = Layout();
        Assert.Equal(new VirtAddr(P(0)), Find(space, P(12), 2 * Page, Base, P(16)));
        Assert.Equal(new VirtAddr(P(7)), Find(space, P(12), 3 * Page, P(2), P(16)));
        Assert.Null(Find(space, P(12), 4 * Page, P(2), P(16)));
    }

    [Fact]
    public void Every_gap_is_checked_against_the_limit_including_gaps_between_areas()
    {
        using AddrSpace space = Layout();
        // The gap [7,10) is 3 pages, but the limit ends at page 9: a 3-page request must not be placed there.
        Assert.Null(Find(space, P(7), 3 * Page, P(7), P(9)));
        Assert.Equal(new VirtAddr(P(7)), Find(space, P(7), 2 * Page, P(7), P(9)));
        // And the limit's start is honoured when the hint is below it.
        Assert.Equal(new VirtAddr(P(8)), Find(space, P(0), Page, P(8), P(9)));
    }

    [Fact]
    public void Alignment_is_honoured()
    {
        using AddrSpace space = Layout();
        ulong all = space.UserRange.End.Value;
        VirtAddr? found = Find(space, P(0), Page, Base, all, alignment: 8 * Page);
        Assert.NotNull(found);
        Assert.True(found.Value.IsAligned(8 * Page));
        Assert.True(space.CheckRegionAccess(VirtAddrRange.FromStartSize(found.Value, Page), MappingFlags.None) == false);
        Assert.Throws<ArgumentException>(() => Find(space, P(0), Page, Base, all, alignment: 3 * Page));
    }

    [Fact]
    public void Degenerate_requests_find_nothing()
    {
        using AddrSpace space = Layout();
        ulong all = space.UserRange.End.Value;
        Assert.Null(Find(space, P(0), 0, Base, all));
        Assert.Null(Find(space, P(0), all, Base, all));                        // bigger than the space
        Assert.Null(Find(space, P(0), ulong.MaxValue, Base, all));
        Assert.Null(Find(space, P(0), Page, all + Page, all + (4 * Page)));    // limit outside the user range
        Assert.Null(Find(space, ulong.MaxValue, Page, P(2), P(4)));             // only an area inside the limit
        Assert.Equal(new VirtAddr(P(0)), Find(space, ulong.MaxValue - 5, Page, Base, all)); // hint past everything wraps
        Assert.Equal(new VirtAddr(all - Page), Find(space, all - Page, Page, Base, ulong.MaxValue)); // the very top
    }

    [Fact]
    public void Result_can_always_be_mapped()
    {
        using AddrSpace space = Layout();
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            ulong size = (ulong)rng.Next(1, 6) * Page;
            ulong hint = P((ulong)rng.Next(0, 64));
            if (space.TryFindFreeArea(hint, size, space.UserRange, Page, out VirtAddr start))
            {
                Assert.Equal(LinuxError.None, space.MapAlloc(start, size, RW, populate: false));
            }
        }
    }
}
