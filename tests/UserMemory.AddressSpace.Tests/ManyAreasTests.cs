using System;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class ManyAreasTests
{
    private const int AreaCount = 100_000;
    private const int HostLimit = 65_530; // Linux's default vm.max_map_count

    private static ulong Start(int i) => Base + ((ulong)i * 2 * Page); // one page, then a one-page gap
    private static MappingFlags Flags(int i) => i % 2 == 0 ? RO : RW;

    [Fact]
    public void Hundred_thousand_areas_without_the_guest_view_cost_one_host_mapping()
    {
        int hostBefore = HostMaps.Count();
        using AddrSpace space = AddrSpace.Create(Base, 2UL * AreaCount * Page + Page, new AddrSpaceOptions { GuestView = false });
        for (int i = 0; i < AreaCount; i++)
        {
            Assert.Equal(LinuxError.None, space.MapAlloc(Start(i), Page, Flags(i), populate: i % 3 == 0));
        }

        Assert.Equal(AreaCount, space.AreaCount);
        Assert.Equal(1, space.HostMappingCount);
        Assert.Single(HostMaps.Within(space.KernelBase, space.UserRange.End.Value));
        int hostAfter = HostMaps.Count();
        Assert.True(hostAfter < HostLimit, $"{hostAfter} host mappings");
        Assert.True(hostAfter - hostBefore < 100, $"{hostAfter - hostBefore} new host mappings");

        // Lookups: every area answers its own flags; every gap is EFAULT.
        var rng = new Random(3);
        for (int k = 0; k < 20_000; k++)
        {
            int i = rng.Next(AreaCount);
            ulong address = Start(i) + (ulong)rng.Next((int)Page);
            Assert.True(space.CheckRegionAccess(VirtAddrRange.FromStartSize(address, 1), MappingFlags.Read));
            Assert.Equal(Flags(i) == RW, space.CheckRegionAccess(VirtAddrRange.FromStartSize(address, 1), MappingFlags.Write));
            Assert.False(space.CheckRegionAccess(VirtAddrRange.FromStartSize(address + Page, 1), MappingFlags.Read));
            Assert.Equal(Flags(i) == RW ? LinuxError.None : LinuxError.EFAULT, Guest.Write(space, address, [1]));
            Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, Start(i) + Page).Error);
        }

        // Changes in the middle of a large list still work.
        Assert.Equal(LinuxError.None, space.Unmap(Start(50_000), 10 * Page));
        Assert.Equal(AreaCount - 5, space.AreaCount);
        Assert.Equal(LinuxError.None, space.Protect(Start(60_000), 2 * Page, RW));
        Assert.True(space.CheckRegionAccess(VirtAddrRange.FromStartSize(Start(60_000), 1), MappingFlags.Write));
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, Start(50_002)).Error);
    }

    [Fact]
    public void With_the_guest_view_the_budget_stops_a_guest_before_the_host_limit()
    {
        using AddrSpace space = AddrSpace.Create(Base, 2UL * AreaCount * Page + Page);
        int mapped = 0;
        LinuxError last = LinuxError.None;
        for (int i = 0; i < AreaCount && last == LinuxError.None; i++)
        {
            last = space.MapAlloc(Start(i), Page, Flags(i), populate: false);
            if (last == LinuxError.None)
            {
                mapped++;
            }
        }

        Assert.Equal(LinuxError.ENOMEM, last);
        Assert.True(space.HostMappingCount <= AddrSpaceOptions.DefaultMaxHostMappings);
        Assert.True(mapped > (AddrSpaceOptions.DefaultMaxHostMappings / 2) - 10, $"{mapped} areas");
        int kernel = HostMaps.Within(space.KernelBase, space.UserRange.End.Value).Count;
        int guest = HostMaps.Within(space.GuestViewBase, space.UserRange.End.Value).Count;
        Assert.Equal(space.HostMappingCount, kernel + guest);
        Assert.True(HostMaps.Count() < HostLimit);

        // Areas that merge in the host cost nothing extra: an adjacent area with the same flags still fits.
        Assert.Equal(LinuxError.None, space.MapAlloc(Start(mapped - 1) + Page, Page, Flags(mapped - 1), populate: false));
    }
}
