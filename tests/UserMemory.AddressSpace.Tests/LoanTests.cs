using System;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// Fork without copying (<see cref="AddrSpace.CreateLendingSnapshot"/>, <see cref="AddrSpace.RestoreBorrowedSnapshot"/>):
/// the child reads the lender's pages copy-on-write, never changes the lent file, and takes its own copy before any
/// mapping change, snapshot or host-backing query.
/// </summary>
public sealed class LoanTests
{
    private static readonly AddrSpaceOptions NoGuestView = new() { GuestView = false };

    private static ulong P(ulong page) => Base + (page * Page);

    /// <summary>Eager RW with data, lazy RW partly written, a populated page never written, and a shared area.</summary>
    private static AddrSpace Lender(SharedMemory shm)
    {
        AddrSpace space = Small(NoGuestView);
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 4 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(8), 8 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapShared(P(30), 2 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 5, [1, 2, 3]));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(9) + 7, [9]));
        Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(P(12), Page)));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(30), [30]));
        return space;
    }

    private static AddrSpace Borrow(AddrSpaceSnapshot snapshot, Action? released) =>
        AddrSpace.RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, NoGuestView, released);

    [Fact]
    public void A_borrowing_child_sees_the_lenders_memory_and_keeps_its_own_stores()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        int released = 0;
        using AddrSpace child = Borrow(snapshot, () => released++);

        Assert.True(snapshot.IsLent);
        Assert.True(child.IsBorrowingMemory);
        Assert.False(lender.IsBorrowingMemory);
        Assert.Equal(lender.GetAreas().Count, child.GetAreas().Count);
        Assert.Equal(lender.CommittedBytes, child.CommittedBytes);
        Assert.Equal(new byte[] { 1, 2, 3 }, Guest.Read(child, P(1) + 5, 3).Value);
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
        Assert.Equal((byte)30, Guest.ReadByte(child, P(30)).Value);

        // The child's stores stay its own; shared memory stays shared.
        Assert.Equal(LinuxError.None, Guest.Write(child, P(1) + 5, [100]));
        Assert.Equal(LinuxError.None, Guest.Write(child, P(14), [14])); // a lazy page first touched by the child
        Assert.Equal(LinuxError.None, Guest.Write(child, P(30) + 1, [31]));
        Assert.Equal((byte)1, Guest.ReadByte(lender, P(1) + 5).Value);
        Assert.Equal((byte)0, Guest.ReadByte(lender, P(14)).Value);
        Assert.Equal((byte)31, Guest.ReadByte(lender, P(30) + 1).Value);
        Assert.Equal(0, released);

        // Its own copy keeps every byte, and the lender still holds its own.
        child.ReleaseBorrowedMemory();
        Assert.False(child.IsBorrowingMemory);
        Assert.Equal(1, released);
        child.ReleaseBorrowedMemory(); // nothing to do twice
        Assert.Equal(1, released);
        Assert.Equal(new byte[] { 100, 2, 3 }, Guest.Read(child, P(1) + 5, 3).Value);
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
        Assert.Equal((byte)14, Guest.ReadByte(child, P(14)).Value);
        Assert.Equal((byte)31, Guest.ReadByte(child, P(30) + 1).Value);
        Assert.Equal(LinuxError.None, Guest.Write(lender, P(9) + 7, [200]));
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
        Assert.Equal(LinuxError.None, Guest.Write(child, P(30) + 2, [32]));
        Assert.Equal((byte)32, Guest.ReadByte(lender, P(30) + 2).Value); // still shared after the release
        Assert.All(HostMaps.PagePermissions(child.KernelBase, P(0), P(30)), p => Assert.Equal("rw-s", p));
    }

    [Fact]
    public void A_mapping_change_on_a_borrowing_child_takes_its_own_copy_first()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        int released = 0;
        using AddrSpace child = Borrow(snapshot, () => released++);
        Assert.Equal(LinuxError.None, Guest.Write(child, P(2), [22]));

        Assert.Equal(LinuxError.None, child.Unmap(P(0), Page));
        Assert.Equal(1, released);
        Assert.False(child.IsBorrowingMemory);
        Assert.Equal((byte)22, Guest.ReadByte(child, P(2)).Value);
        Assert.Equal(new byte[] { 1, 2, 3 }, Guest.Read(child, P(1) + 5, 3).Value);
        Assert.Equal((byte)0, Guest.ReadByte(lender, P(2)).Value);
        Assert.True(Guest.Read(lender, P(0), 1).IsOk); // the lender's page 0 is still mapped
    }

    [Fact]
    public void Releasing_copies_only_pages_that_hold_data()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        using AddrSpace child = Borrow(snapshot, null);
        child.ReleaseBorrowedMemory();

        // Populated but never written (page 12), and populated lazily by the child without a store: still zero,
        // still counted, and the child's snapshot (which copies data extents only) round-trips.
        Assert.True(child.IsPopulated(P(12)));
        Assert.Equal((byte)0, Guest.ReadByte(child, P(12)).Value);
        using AddrSpace grandchild = child.Clone();
        Assert.Equal(new byte[] { 1, 2, 3 }, Guest.Read(grandchild, P(1) + 5, 3).Value);
        Assert.Equal(child.CommittedBytes, grandchild.CommittedBytes);
    }

    [Fact]
    public void A_snapshot_of_a_borrowing_child_is_taken_from_its_own_copy()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        int released = 0;
        using AddrSpace child = Borrow(snapshot, () => released++);
        Assert.Equal(LinuxError.None, Guest.Write(child, P(3), [33]));

        using AddrSpaceSnapshot nested = child.CreateLendingSnapshot();
        Assert.Equal(1, released);
        using AddrSpace grandchild = AddrSpace.RestoreSnapshot(nested);
        Assert.True(grandchild.IsBorrowingMemory);
        Assert.Equal((byte)33, Guest.ReadByte(grandchild, P(3)).Value);
        Assert.Equal((byte)9, Guest.ReadByte(grandchild, P(9) + 7).Value);
    }

    [Fact]
    public void Disposing_or_clearing_a_borrowing_child_reports_the_release_without_copying()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        int released = 0;
        AddrSpace child = Borrow(snapshot, () => released++);
        child.Dispose();
        Assert.Equal(1, released);

        AddrSpace other = Borrow(snapshot, () => released++);
        other.Clear();
        Assert.Equal(2, released);
        Assert.False(other.IsBorrowingMemory);
        Assert.Empty(other.GetAreas());
        Assert.Equal(LinuxError.None, other.MapAlloc(P(0), Page, RW, populate: true));
        Assert.Equal((byte)0, Guest.ReadByte(other, P(0)).Value);
        other.Dispose();
        Assert.Equal((byte)1, Guest.ReadByte(lender, P(1) + 5).Value);
    }

    [Fact]
    public void Borrowing_refuses_a_guest_view_and_a_malformed_table()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, new AddrSpaceOptions { GuestView = true }, null));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable.AsSpan(0, 10), snapshot.SharedMemories, NoGuestView, null));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable, [], NoGuestView, null));
    }

    [Fact]
    public void In_process_restore_of_a_lent_snapshot_borrows_even_with_default_options()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace lender = Lender(shm);
        using AddrSpaceSnapshot snapshot = lender.CreateLendingSnapshot();
        using AddrSpace child = AddrSpace.RestoreSnapshot(snapshot);
        Assert.True(child.IsBorrowingMemory);
        Assert.Equal(0, child.GuestViewBase);
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
    }
}
