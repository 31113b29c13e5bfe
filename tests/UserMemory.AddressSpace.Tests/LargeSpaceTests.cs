using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class LargeSpaceTests
{
    [Fact]
    public void A_64_GiB_space_costs_two_host_mappings_and_works_at_both_ends()
    {
        const ulong size = 64UL << 30;
        using AddrSpace space = AddrSpace.Create(Base, size);
        Assert.Single(HostMaps.Within(space.KernelBase, Base + size));
        Assert.Single(HostMaps.Within(space.GuestViewBase, Base + size));
        ulong top = Base + size - (2 * Page);
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(top, 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, Guest.Write(space, Base + size - 1, [0xAB]));
        Assert.Equal((byte)0xAB, Guest.ReadByte(space, Base + size - 1).Value);
        Assert.Equal((byte)0, Guest.ReadByte(space, Base).Value);
        Assert.Equal(2 * Page, space.CommittedBytes);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, Base + size).Error);
        Assert.True(space.TryFindFreeArea(top, 4 * Page, space.UserRange, Page, out VirtAddr found));
        Assert.Equal(new VirtAddr(Base + Page), found); // nothing fits above the hint: wrapped
        using AddrSpace clone = space.Clone();
        Assert.Equal((byte)0xAB, Guest.ReadByte(clone, Base + size - 1).Value);
    }
}
