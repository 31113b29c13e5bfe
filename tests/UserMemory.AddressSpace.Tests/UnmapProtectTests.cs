using System.Linq;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class UnmapProtectTests
{
    private static VirtAddrRange R(ulong firstPage, ulong pages) => VirtAddrRange.FromStartSize(Base + (firstPage * Page), pages * Page);

    private static (ulong FirstPage, ulong Pages, MappingFlags Flags)[] Layout(AddrSpace space) =>
        [.. space.GetAreas().Select(a => ((a.Range.Start.Value - Base) / Page, a.Range.Size / Page, a.Flags))];

    private static AddrSpace WithArea(ulong firstPage, ulong pages, MappingFlags flags = RW)
    {
        AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(R(firstPage, pages).Start, pages * Page, flags, populate: true));
        return space;
    }

    [Fact]
    public void Unmap_whole_area_removes_it()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Unmap(R(4, 4).Start, 4 * Page));
        Assert.Empty(space.GetAreas());
        Assert.Equal(0UL, space.CommittedBytes);
    }

    [Fact]
    public void Unmap_of_the_head_shrinks_the_area_from_the_start()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Unmap(R(2, 3).Start, 3 * Page)); // [2,5) sticks out to the left
        Assert.Equal([(5UL, 3UL, RW)], Layout(space));
        Assert.Equal(3 * Page, space.CommittedBytes);
    }

    [Fact]
    public void Unmap_of_the_tail_shrinks_the_area_from_the_end()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Unmap(R(7, 5).Start, 5 * Page));
        Assert.Equal([(4UL, 3UL, RW)], Layout(space));
    }

    [Fact]
    public void Unmap_strictly_inside_splits_the_area_and_keeps_contents_on_both_sides()
    {
        using AddrSpace space = WithArea(4, 6);
        Assert.Equal(LinuxError.None, Guest.Write(space, R(4, 1).Start.Value, [11]));
        Assert.Equal(LinuxError.None, Guest.Write(space, R(6, 1).Start.Value, [22]));
        Assert.Equal(LinuxError.None, Guest.Write(space, R(9, 1).Start.Value + 7, [33]));
        Assert.Equal(LinuxError.None, space.Unmap(R(6, 2).Start, 2 * Page));
        Assert.Equal([(4UL, 2UL, RW), (8UL, 2UL, RW)], Layout(space));
        Assert.Equal((byte)11, Guest.ReadByte(space, R(4, 1).Start.Value).Value);
        Assert.Equal((byte)33, Guest.ReadByte(space, R(9, 1).Start.Value + 7).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, R(6, 1).Start.Value).Error);
        Assert.False(space.CheckRegionAccess(R(5, 2), MappingFlags.Read));
        Assert.Equal(4 * Page, space.CommittedBytes);

        // Remapping the hole reads zero where 22 was.
        Assert.Equal(LinuxError.None, space.MapAlloc(R(6, 2).Start, 2 * Page, RW, populate: false));
        Assert.Equal((byte)0, Guest.ReadByte(space, R(6, 1).Start.Value).Value);
    }

    [Fact]
    public void Unmap_across_several_areas_and_gaps()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(R(0, 3).Start, 3 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, space.MapAlloc(R(4, 2).Start, 2 * Page, RO, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(R(7, 3).Start, 3 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, space.Unmap(R(1, 7).Start, 7 * Page));
        Assert.Equal([(0UL, 1UL, RW), (8UL, 2UL, RW)], Layout(space));
        Assert.Equal(3 * Page, space.CommittedBytes);
        Assert.Equal(3, space.ResidentPages);
    }

    [Fact]
    public void Unmap_of_nothing_is_fine()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Unmap(R(10, 4).Start, 4 * Page));
        Assert.Single(space.GetAreas());
    }

    [Fact]
    public void Unmap_splits_shared_areas_with_the_right_offsets()
    {
        using AddrSpace space = Small();
        using SharedMemory shm = SharedMemory.Create(8 * Page);
        Assert.Equal(LinuxError.None, space.MapShared(R(0, 8).Start, 8 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, Guest.Write(space, R(6, 1).Start.Value, [66]));
        Assert.Equal(LinuxError.None, space.Unmap(R(2, 2).Start, 2 * Page));
        var areas = space.GetAreas();
        Assert.Equal(2, areas.Count);
        Assert.Equal(0UL, areas[0].SharedOffset);
        Assert.Equal(4 * Page, areas[1].SharedOffset);
        Assert.Equal((byte)66, Guest.ReadByte(space, R(6, 1).Start.Value).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, R(2, 1).Start.Value).Error);

        // The hole is private-backed again: a new private map there reads zero, not the shared page.
        Assert.Equal(LinuxError.None, Guest.Write(space, R(1, 1).Start.Value, [1]));
        Assert.Equal(LinuxError.None, space.Unmap(R(0, 8).Start, 8 * Page));
        Assert.Equal(LinuxError.None, space.MapAlloc(R(0, 8).Start, 8 * Page, RW, populate: false));
        Assert.Equal((byte)0, Guest.ReadByte(space, R(6, 1).Start.Value).Value);
        Assert.Equal((byte)0, Guest.ReadByte(space, R(1, 1).Start.Value).Value);
    }

    [Fact]
    public void Protect_whole_area_changes_flags_without_splitting()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Protect(R(4, 4).Start, 4 * Page, RO));
        Assert.Equal([(4UL, 4UL, RO)], Layout(space));
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, R(4, 1).Start.Value, [1]));
        Assert.True(space.CheckRegionAccess(R(4, 4), MappingFlags.Read));
    }

    [Fact]
    public void Protect_of_the_head_and_tail_splits_in_two()
    {
        using AddrSpace space = WithArea(4, 4);
        Assert.Equal(LinuxError.None, space.Protect(R(0, 6).Start, 6 * Page, RO));
        Assert.Equal([(4UL, 2UL, RO), (6UL, 2UL, RW)], Layout(space));
        Assert.Equal(LinuxError.None, space.Protect(R(7, 4).Start, 4 * Page, MappingFlags.None));
        Assert.Equal([(4UL, 2UL, RO), (6UL, 1UL, RW), (7UL, 1UL, MappingFlags.None)], Layout(space));
        Assert.False(space.CheckRegionAccess(R(7, 1), MappingFlags.Read));
        Assert.True(space.CheckRegionAccess(R(4, 4), MappingFlags.None));
    }

    [Fact]
    public void Protect_strictly_inside_splits_in_three_and_keeps_contents()
    {
        using AddrSpace space = WithArea(4, 6);
        Assert.Equal(LinuxError.None, Guest.Write(space, R(6, 1).Start.Value, [5]));
        Assert.Equal(LinuxError.None, space.Protect(R(6, 2).Start, 2 * Page, RO));
        Assert.Equal([(4UL, 2UL, RW), (6UL, 2UL, RO), (8UL, 2UL, RW)], Layout(space));
        Assert.Equal((byte)5, Guest.ReadByte(space, R(6, 1).Start.Value).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, R(7, 1).Start.Value, [1]));
        Assert.Equal(LinuxError.None, Guest.Write(space, R(8, 1).Start.Value, [1]));

        // A write spanning RW then RO is refused as a whole.
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, R(6, 1).Start.Value - 2, [1, 2, 3, 4]));
        Assert.Equal(6 * Page, space.CommittedBytes);
    }

    [Fact]
    public void Protect_across_gaps_changes_only_areas()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(R(0, 2).Start, 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(R(4, 2).Start, 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.Protect(R(1, 4).Start, 4 * Page, RO));
        Assert.Equal([(0UL, 1UL, RW), (1UL, 1UL, RO), (4UL, 1UL, RO), (5UL, 1UL, RW)], Layout(space));
        Assert.Equal(LinuxError.None, space.Protect(R(8, 4).Start, 4 * Page, RO)); // nothing there
        Assert.Equal(4, space.GetAreas().Count);
    }

    [Fact]
    public void Protect_is_followed_by_the_guest_view_host_protection()
    {
        using AddrSpace space = WithArea(0, 6);
        Assert.Equal(LinuxError.None, space.Protect(R(2, 2).Start, 2 * Page, RO));
        Assert.Equal(LinuxError.None, space.Protect(R(4, 1).Start, Page, MappingFlags.Read | MappingFlags.Execute));
        string[] permissions = HostMaps.PagePermissions(space.GuestViewBase, Base, Base + (7 * Page));
        Assert.Equal(["rw-s", "rw-s", "r--s", "r--s", "r-xs", "rw-s", "---s"], permissions);
        Assert.All(HostMaps.PagePermissions(space.KernelBase, Base, Base + (7 * Page)), p => Assert.Equal("rw-s", p));
    }

    [Fact]
    public void Protect_splits_shared_areas_and_keeps_them_shared()
    {
        using AddrSpace space = Small();
        using SharedMemory shm = SharedMemory.Create(4 * Page);
        Assert.Equal(LinuxError.None, space.MapShared(R(0, 4).Start, 4 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, space.Protect(R(1, 2).Start, 2 * Page, RO));
        var areas = space.GetAreas();
        Assert.Equal([0UL, Page, 3 * Page], areas.Select(a => a.SharedOffset).ToArray());
        Assert.All(areas, a => Assert.Same(shm, a.SharedMemory));
        Assert.Equal(["rw-s", "r--s", "r--s", "rw-s"], HostMaps.PagePermissions(space.GuestViewBase, Base, Base + (4 * Page)));
        shm.Dispose();
        Assert.Equal(LinuxError.None, space.Unmap(R(0, 4).Start, 4 * Page)); // releases all three references
        Assert.Empty(space.GetAreas());
    }

    [Fact]
    public void Host_mapping_count_matches_proc_self_maps()
    {
        using AddrSpace space = Small();
        using SharedMemory shm = SharedMemory.Create(4 * Page);
        Assert.Equal(2, space.HostMappingCount);
        Assert.Equal(LinuxError.None, space.MapAlloc(R(0, 4).Start, 4 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(R(4, 4).Start, 4 * Page, RW, populate: false)); // merges with the first in the host
        Assert.Equal(LinuxError.None, space.MapAlloc(R(10, 1).Start, Page, RO, populate: false));
        Assert.Equal(LinuxError.None, space.MapShared(R(12, 4).Start, 4 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, space.Protect(R(13, 1).Start, Page, RO));
        Assert.Equal(LinuxError.None, space.Unmap(R(2, 1).Start, Page));
        AssertHostCount(space);
        Assert.Equal(LinuxError.None, space.Unmap(R(12, 4).Start, 4 * Page));
        AssertHostCount(space);
        space.Clear();
        Assert.Equal(2, space.HostMappingCount);
        AssertHostCount(space);
    }

    [Fact]
    public void Host_mapping_budget_answers_ENOMEM_and_changes_nothing()
    {
        using AddrSpace space = Small(new AddrSpaceOptions { MaxHostMappings = 5 });
        Assert.Equal(LinuxError.None, space.MapAlloc(R(0, 8).Start, 8 * Page, RW, populate: true)); // guest view: 3 mappings
        Assert.Equal(4, space.HostMappingCount);
        Assert.Equal(LinuxError.ENOMEM, space.Protect(R(2, 1).Start, Page, RO)); // would need 6
        Assert.Equal(LinuxError.ENOMEM, space.MapAlloc(R(10, 1).Start, Page, RO, populate: false));
        Assert.Equal(LinuxError.ENOMEM, space.Unmap(R(3, 1).Start, Page));
        Assert.Single(space.GetAreas());
        Assert.Equal(8 * Page, space.CommittedBytes);
        Assert.Equal(LinuxError.None, space.Protect(R(0, 2).Start, 2 * Page, RO)); // splits once: 5
        Assert.Equal(5, space.HostMappingCount);
        AssertHostCount(space);
    }

    private static void AssertHostCount(AddrSpace space)
    {
        int kernel = HostMaps.Within(space.KernelBase, space.UserRange.End.Value).Count;
        int guest = HostMaps.Within(space.GuestViewBase, space.UserRange.End.Value).Count;
        Assert.Equal(space.HostMappingCount, kernel + guest);
    }
}
