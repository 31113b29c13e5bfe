using System;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class AccessTests
{
    private static VirtAddrRange R(ulong start, ulong size) => VirtAddrRange.FromStartSize(start, size);

    [Fact]
    public void CheckRegionAccess_follows_the_contract()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (2 * Page), Page, RO, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (4 * Page), Page, RW, populate: false));

        Assert.True(space.CheckRegionAccess(R(Base, 3 * Page), MappingFlags.Read));            // contiguous areas
        Assert.False(space.CheckRegionAccess(R(Base, 3 * Page), MappingFlags.Write));          // the last one is RO
        Assert.True(space.CheckRegionAccess(R(Base + 5, 2 * Page - 5), RW));
        Assert.False(space.CheckRegionAccess(R(Base, 5 * Page), MappingFlags.Read));           // gap at page 3
        Assert.False(space.CheckRegionAccess(R(Base - 1, 2), MappingFlags.Read));              // starts before
        Assert.True(space.CheckRegionAccess(R(Base, 3 * Page), MappingFlags.None));
        Assert.False(space.CheckRegionAccess(R(Base, Page), MappingFlags.Execute));

        // Empty ranges: inside the user range (or at its end) is fine, outside is not.
        Assert.True(space.CheckRegionAccess(R(Base + (3 * Page), 0), MappingFlags.Read));
        Assert.True(space.CheckRegionAccess(R(space.UserRange.End.Value, 0), MappingFlags.Read));
        Assert.False(space.CheckRegionAccess(R(space.UserRange.End.Value + 1, 0), MappingFlags.Read));
        Assert.False(space.CheckRegionAccess(R(0, 0), MappingFlags.Read));
        Assert.False(space.CheckRegionAccess(R(ulong.MaxValue - 10, 10), MappingFlags.Read));
    }

    [Fact]
    public void PrepareAccess_validates_translates_and_populates()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 4 * Page, RW, populate: false));
        space.EnterAccess();
        try
        {
            Assert.Equal(LinuxError.None, space.PrepareAccess(Base + 100, 2 * Page, MappingFlags.Read, out nuint kernel));
            Assert.Equal((nuint)space.KernelBase + (nuint)(Base + 100), kernel);
            Assert.True(space.IsPopulated(Base));
            Assert.True(space.IsPopulated(Base + (2 * Page)));  // the last byte's page
            Assert.False(space.IsPopulated(Base + (3 * Page)));
            Assert.Equal(3, space.ResidentPages);

            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(Base + (4 * Page) - 1, 2, MappingFlags.Read, out kernel));
            Assert.Equal(0u, kernel);
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(ulong.MaxValue, 2, MappingFlags.Read, out _));        // wraps
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(Base, ulong.MaxValue, MappingFlags.Read, out _));     // wraps
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(Base, 1, MappingFlags.Execute, out _));
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(0, 1, MappingFlags.Read, out _));

            // Zero length: any user address, including the end; translation still works.
            Assert.Equal(LinuxError.None, space.PrepareAccess(space.UserRange.End, 0, MappingFlags.Read, out kernel));
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(space.UserRange.End.Value + 1, 0, MappingFlags.Read, out _));
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(Base - 1, 0, MappingFlags.Read, out _));
        }
        finally
        {
            space.ExitAccess();
        }
    }

    [Fact]
    public void PrepareAccess_spanning_areas_checks_each_and_populates_all()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + Page, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (2 * Page), Page, RO, populate: false));
        space.EnterAccess();
        try
        {
            Assert.Equal(LinuxError.None, space.PrepareAccess(Base + 10, (2 * Page) - 20, RW, out _));
            Assert.Equal(2, space.ResidentPages);
            Assert.Equal(LinuxError.EFAULT, space.PrepareAccess(Base + 10, 3 * Page - 20, RW, out _));
            Assert.Equal(2, space.ResidentPages); // nothing populated on failure
            Assert.Equal(LinuxError.None, space.PrepareAccess(Base + 10, 3 * Page - 20, MappingFlags.Read, out _));
            Assert.Equal(3, space.ResidentPages);
        }
        finally
        {
            space.ExitAccess();
        }
    }

    [Fact]
    public void PopulateArea_needs_alignment_and_full_coverage()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, MappingFlags.None, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (3 * Page), Page, RW, populate: false));
        Assert.Equal(LinuxError.EINVAL, space.PopulateArea(R(Base + 1, Page)));
        Assert.Equal(LinuxError.EINVAL, space.PopulateArea(R(Base, Page + 1)));
        Assert.Equal(LinuxError.EFAULT, space.PopulateArea(R(Base, 4 * Page)));  // hole at page 2
        Assert.Equal(0, space.ResidentPages);                                    // all or nothing
        Assert.Equal(LinuxError.EFAULT, space.PopulateArea(R(Base - Page, Page)));
        Assert.Equal(LinuxError.None, space.PopulateArea(R(Base, 2 * Page)));   // flags do not matter
        Assert.Equal(2, space.ResidentPages);
        Assert.Equal(LinuxError.None, space.PopulateArea(R(Base, 2 * Page)));   // idempotent
        Assert.Equal(2 * Page, space.CommittedBytes);
        Assert.Equal(LinuxError.None, space.PopulateArea(R(Base + Page, 0)));
    }

    [Fact]
    public void HandlePageFault_populates_lazy_pages_and_refuses_illegal_accesses()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RO, populate: false));
        MappingFlags userRead = MappingFlags.Read | MappingFlags.User;
        MappingFlags userWrite = MappingFlags.Write | MappingFlags.User;
        Assert.True(space.HandlePageFault(Base + Page + 8, userRead));
        Assert.True(space.IsPopulated(Base + Page));
        Assert.False(space.IsPopulated(Base));
        Assert.True(space.HandlePageFault(Base + Page + 8, userRead));   // already populated: still fine
        Assert.False(space.HandlePageFault(Base, userWrite));           // no write permission
        Assert.False(space.IsPopulated(Base));
        Assert.False(space.HandlePageFault(Base + (2 * Page), userRead)); // no area
        Assert.False(space.HandlePageFault(0, userRead));                 // outside the space
        Assert.False(space.HandlePageFault(ulong.MaxValue, userRead));
        Assert.Equal(Page, space.CommittedBytes);
    }

    [Fact]
    public void Kernel_mode_fault_outside_a_user_access_context_is_an_oops()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: false));
        KernelOopsException oops = Assert.Throws<KernelOopsException>(() => space.HandlePageFault(Base, MappingFlags.Read));
        Assert.Equal(new VirtAddr(Base), oops.Address);
        Assert.Equal(MappingFlags.Read, oops.Access);
        Assert.Throws<KernelOopsException>(() => space.HandlePageFault(0, MappingFlags.Write)); // even on no area
        Assert.False(space.IsPopulated(Base));

        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.True(space.HandlePageFault(Base, MappingFlags.Read));
            Assert.False(space.HandlePageFault(Base + Page, MappingFlags.Read));
        }

        using (UserAccessContext.Enter())
        {
            Assert.True(space.HandlePageFault(Base, MappingFlags.Write));
        }
    }

    [Fact]
    public void Mutations_from_inside_an_access_scope_throw_instead_of_deadlocking()
    {
        using AddrSpace space = Small();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Throws<InvalidOperationException>(() => space.MapAlloc(Base, Page, RW, populate: false));
        Assert.Throws<InvalidOperationException>(() => space.Unmap(Base, Page));
        Assert.Throws<InvalidOperationException>(() => space.Protect(Base, Page, RW));
        Assert.Throws<InvalidOperationException>(() => space.Clear());
        Assert.Throws<InvalidOperationException>(() => space.Clone());
    }

    [Fact]
    public void Access_scopes_nest_across_two_spaces()
    {
        using AddrSpace a = Small();
        using AddrSpace b = Small();
        Assert.Equal(LinuxError.None, a.MapAlloc(Base, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, b.MapAlloc(Base, Page, RW, populate: false));
        a.EnterAccess();
        b.EnterAccess();
        a.EnterAccess();
        a.ExitAccess();
        a.ExitAccess(); // out of order: a before b
        Assert.Equal(LinuxError.None, a.MapAlloc(Base + Page, Page, RW, populate: false)); // a is free again
        Assert.Throws<InvalidOperationException>(() => b.MapAlloc(Base + Page, Page, RW, populate: false));
        b.ExitAccess();
        Assert.Equal(LinuxError.None, b.MapAlloc(Base + Page, Page, RW, populate: false));
        Assert.Throws<InvalidOperationException>(() => b.ExitAccess()); // unbalanced
    }

    [Fact]
    public void Guest_view_is_host_accessible_exactly_where_the_areas_allow()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: false));
        Guest.PokeGuest(space, Base + 1, 77); // host zero-fill: lazy pages need no fault handling here
        Assert.Equal((byte)77, Guest.ReadByte(space, Base + 1).Value);
        Assert.Equal(["rw-s", "---s"], HostMaps.PagePermissions(space.GuestViewBase, Base, Base + (2 * Page)));
    }
}
