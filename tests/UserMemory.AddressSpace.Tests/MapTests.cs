using System;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class MapTests
{
    [Fact]
    public void Create_rejects_unaligned_empty_and_overflowing_ranges()
    {
        Assert.Throws<ArgumentException>(() => AddrSpace.Create(0x1001, Page));
        Assert.Throws<ArgumentException>(() => AddrSpace.Create(0x1000, 100));
        Assert.Throws<ArgumentException>(() => AddrSpace.Create(0x1000, 0));
        Assert.Throws<ArgumentException>(() => AddrSpace.Create(ulong.MaxValue - Page + 1, 2 * Page));
    }

    [Fact]
    public void Create_reports_the_range_and_views()
    {
        using AddrSpace space = Small();
        Assert.Equal(VirtAddrRange.FromStartSize(Base, 16UL << 20), space.UserRange);
        Assert.NotEqual(0, space.KernelBase);
        Assert.NotEqual(0, space.GuestViewBase);
        Assert.Equal(AddrSpaceOptions.DefaultMemoryLimit, space.MemoryLimit);
        Assert.Empty(space.GetAreas());

        using AddrSpace noGuestView = Small(new AddrSpaceOptions { GuestView = false });
        Assert.Equal(0, noGuestView.GuestViewBase);
    }

    [Theory]
    [InlineData(Base + 1, Page)]            // unaligned start
    [InlineData(Base, Page + 1)]            // unaligned size
    [InlineData(Base, 0UL)]                 // empty
    [InlineData(Base - Page, Page)]         // below the user range
    [InlineData(Base + (16UL << 20), Page)] // at the end of the user range
    [InlineData(Base + (16UL << 20) - Page, 2 * Page)] // sticking out at the top
    [InlineData(ulong.MaxValue - Page + 1, Page)]      // start + size overflows
    [InlineData(Base, ulong.MaxValue - Page + 1)]      // size overflows
    public void Map_outside_or_unaligned_is_EINVAL(ulong start, ulong size)
    {
        using AddrSpace space = Small();
        using SharedMemory shm = SharedMemory.Create(Page);
        Assert.Equal(LinuxError.EINVAL, space.MapAlloc(start, size, RW, populate: false));
        Assert.Equal(LinuxError.EINVAL, space.MapAlloc(start, size, RW, populate: true));
        Assert.Equal(LinuxError.EINVAL, space.MapLinear(start, size, RW, [1, 2, 3]));
        Assert.Equal(LinuxError.EINVAL, space.MapShared(start, size, RW, shm, 0));
        Assert.Equal(LinuxError.EINVAL, space.Unmap(start, size));
        Assert.Equal(LinuxError.EINVAL, space.Protect(start, size, RW));
        Assert.Empty(space.GetAreas());
        Assert.Equal(0UL, space.CommittedBytes);
    }

    [Fact]
    public void Map_at_the_very_top_of_the_user_range_is_valid()
    {
        using AddrSpace space = Small();
        ulong top = space.UserRange.End.Value - Page;
        Assert.Equal(LinuxError.None, space.MapAlloc(top, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, Guest.Write(space, space.UserRange.End.Value - 1, [7]));
        Assert.Equal((byte)7, Guest.ReadByte(space, space.UserRange.End.Value - 1).Value);
    }

    [Fact]
    public void Overlapping_maps_are_EEXIST_and_change_nothing()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (4 * Page), 4 * Page, RW, populate: true));
        ulong committed = space.CommittedBytes;
        Assert.Equal(LinuxError.EEXIST, space.MapAlloc(Base + (4 * Page), Page, RW, populate: true));
        Assert.Equal(LinuxError.EEXIST, space.MapAlloc(Base + (3 * Page), 2 * Page, RW, populate: true)); // overlaps the start
        Assert.Equal(LinuxError.EEXIST, space.MapAlloc(Base + (7 * Page), 2 * Page, RW, populate: false)); // overlaps the end
        Assert.Equal(LinuxError.EEXIST, space.MapAlloc(Base, 16 * Page, RW, populate: false)); // covers it
        Assert.Equal(LinuxError.EEXIST, space.MapLinear(Base + (5 * Page), Page, RW, [1]));
        Assert.Single(space.GetAreas());
        Assert.Equal(committed, space.CommittedBytes);

        // Touching neighbours are fine.
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (3 * Page), Page, RO, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (8 * Page), Page, RO, populate: false));
        Assert.Equal(3, space.GetAreas().Count);
    }

    [Fact]
    public void Eager_maps_commit_at_once_and_lazy_maps_on_first_touch()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 4 * Page, RW, populate: true));
        Assert.Equal(4 * Page, space.CommittedBytes);
        Assert.Equal(4, space.ResidentPages);
        Assert.True(space.IsPopulated(Base + (3 * Page) + 5));

        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (8 * Page), 4 * Page, RW, populate: false));
        Assert.Equal(4 * Page, space.CommittedBytes);
        Assert.False(space.IsPopulated(Base + (8 * Page)));

        Assert.Equal((byte)0, Guest.ReadByte(space, Base + (9 * Page) + 100).Value);
        Assert.True(space.IsPopulated(Base + (9 * Page)));
        Assert.False(space.IsPopulated(Base + (8 * Page)));
        Assert.Equal(5 * Page, space.CommittedBytes);
        Assert.Equal(5, space.ResidentPages);

        MemoryAreaInfo[] areas = [.. space.GetAreas()];
        Assert.False(areas[0].IsLazy);
        Assert.True(areas[1].IsLazy);
        Assert.All(areas, a => Assert.Equal(MemoryAreaKind.Private, a.Kind));
    }

    [Fact]
    public void Memory_limit_answers_ENOMEM_for_eager_maps_and_for_population()
    {
        using AddrSpace space = Small(new AddrSpaceOptions { MemoryLimit = 4 * Page });
        Assert.Equal(LinuxError.ENOMEM, space.MapAlloc(Base, 5 * Page, RW, populate: true));
        Assert.Empty(space.GetAreas());
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 3 * Page, RW, populate: true));
        Assert.Equal(LinuxError.ENOMEM, space.MapLinear(Base + (4 * Page), 2 * Page, RW, [1]));

        // A lazy map commits nothing; populating past the limit is ENOMEM, within it fine.
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (8 * Page), 8 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(Base + (8 * Page), Page)));
        Assert.Equal(LinuxError.ENOMEM, space.PopulateArea(VirtAddrRange.FromStartSize(Base + (9 * Page), Page)));
        Assert.Equal(LinuxError.ENOMEM, Guest.ReadByte(space, Base + (10 * Page)).Error);
        Assert.False(space.HandlePageFault(Base + (10 * Page), MappingFlags.Read | MappingFlags.User));
        Assert.Equal(4 * Page, space.CommittedBytes);

        // Unmapping gives the memory back.
        Assert.Equal(LinuxError.None, space.Unmap(Base, Page));
        Assert.Equal(LinuxError.None, Guest.Write(space, Base + (10 * Page), [1]));
        Assert.Equal(4 * Page, space.CommittedBytes);
    }

    [Fact]
    public void MapLinear_copies_contents_and_zero_fills_the_rest_even_when_read_only()
    {
        using AddrSpace space = Small();
        byte[] contents = new byte[Page + 10];
        new Random(1).NextBytes(contents);
        Assert.Equal(LinuxError.None, space.MapLinear(Base, 2 * Page, RO, contents));
        Assert.Equal(LinuxError.EINVAL, space.MapLinear(Base + (4 * Page), Page, RO, new byte[Page + 1]));
        Assert.Equal(contents, Guest.Read(space, Base, contents.Length).Value);
        Assert.All(Guest.Read(space, Base + (ulong)contents.Length, (int)(2 * Page) - contents.Length).Value, b => Assert.Equal(0, b));
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, Base, [1])); // read-only for the core
        Assert.Equal(2 * Page, space.CommittedBytes);
        Assert.False(space.GetAreas()[0].IsLazy);
    }

    [Fact]
    public void Shared_memory_is_seen_by_two_spaces_and_not_committed()
    {
        using SharedMemory shm = SharedMemory.Create(4 * Page);
        using AddrSpace a = Small();
        using AddrSpace b = Small();
        Assert.Equal(LinuxError.None, a.MapShared(Base, 2 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, b.MapShared(Base + (8 * Page), 2 * Page, RW, shm, Page));
        Assert.Equal(LinuxError.None, Guest.Write(a, Base + Page + 3, [42]));
        Assert.Equal((byte)42, Guest.ReadByte(b, Base + (8 * Page) + 3).Value);
        Assert.Equal((byte)42, Guest.PeekGuest(b, Base + (8 * Page) + 3));
        Assert.Equal(0UL, a.CommittedBytes);
        Assert.Equal(2, a.ResidentPages);
        MemoryAreaInfo info = b.GetAreas()[0];
        Assert.Equal(MemoryAreaKind.Shared, info.Kind);
        Assert.Same(shm, info.SharedMemory);
        Assert.Equal(Page, info.SharedOffset);

        Assert.Equal(LinuxError.EINVAL, a.MapShared(Base + (16 * Page), 2 * Page, RW, shm, 3 * Page)); // past its end
        Assert.Equal(LinuxError.EINVAL, a.MapShared(Base + (16 * Page), Page, RW, shm, 100)); // unaligned offset
    }

    [Fact]
    public void Shared_memory_outlives_its_creator_reference_while_mapped()
    {
        using AddrSpace space = Small();
        SharedMemory shm = SharedMemory.Create(Page);
        Assert.Equal(LinuxError.None, space.MapShared(Base, Page, RW, shm, 0));
        shm.Dispose();
        Assert.Equal(LinuxError.None, Guest.Write(space, Base, [9]));
        Assert.Equal(LinuxError.None, space.Unmap(Base, Page));
        Assert.Throws<ObjectDisposedException>(() => space.MapShared(Base, Page, RW, shm, 0));
    }

    [Fact]
    public void Unmapped_then_remapped_memory_reads_zero_in_both_views()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, Guest.Write(space, Base + 10, [1, 2, 3]));
        Assert.Equal((byte)2, Guest.PeekGuest(space, Base + 11));
        Assert.Equal(LinuxError.None, space.Unmap(Base, 2 * Page));
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, Base + 10).Error);
        Assert.Equal(0UL, space.CommittedBytes);
        Assert.Equal(0, space.ResidentPages);
        Assert.Equal("---s", HostMaps.PagePermissions(space.GuestViewBase, Base, Base + Page)[0]);
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: false));
        Assert.Equal(new byte[] { 0, 0, 0 }, Guest.Read(space, Base + 10, 3).Value);
        Assert.Equal((byte)0, Guest.PeekGuest(space, Base + 11));
    }

    [Fact]
    public void Operations_after_dispose_throw_and_dispose_is_idempotent()
    {
        AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: true));
        space.Dispose();
        space.Dispose();
        Assert.Throws<ObjectDisposedException>(() => space.MapAlloc(Base, Page, RW, populate: true));
        Assert.False(space.CheckRegionAccess(VirtAddrRange.FromStartSize(Base, 1), MappingFlags.Read));
    }
}
