using System;
using System.IO;
using System.Linq;
using Microsoft.Win32.SafeHandles;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

public sealed class CloneSnapshotTests
{
    private static ulong P(ulong page) => Base + (page * Page);

    /// <summary>Eager RW with data, lazy RW partly touched, a read-only loader segment, and a shared area.</summary>
    private static AddrSpace Parent(SharedMemory shm)
    {
        AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 4 * Page, RW, populate: true));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(8), 8 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapLinear(P(20), 2 * Page, RO | MappingFlags.Execute, [0xC3, 0x90, 0x90]));
        Assert.Equal(LinuxError.None, space.MapShared(P(30), 2 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 5, [1, 2, 3]));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(9) + 7, [9]));
        Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(P(12), Page))); // populated, never written
        Assert.Equal(LinuxError.None, Guest.Write(space, P(30), [30]));
        return space;
    }

    private static void AssertSameShape(AddrSpace expected, AddrSpace actual)
    {
        Assert.Equal(expected.UserRange, actual.UserRange);
        Assert.Equal(expected.GetAreas().Select(a => a with { SharedMemory = null }), actual.GetAreas().Select(a => a with { SharedMemory = null }));
        Assert.Equal(expected.CommittedBytes, actual.CommittedBytes);
        Assert.Equal(expected.ResidentPages, actual.ResidentPages);
        Assert.Equal(expected.HostMappingCount, actual.HostMappingCount);
        for (ulong page = 0; page < 40; page++)
        {
            Assert.Equal(expected.IsPopulated(P(page)), actual.IsPopulated(P(page)));
        }
    }

    [Fact]
    public void Clone_copies_private_memory_and_shares_shared_memory()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace parent = Parent(shm);
        using AddrSpace child = parent.Clone();
        AssertSameShape(parent, child);
        Assert.Equal(new byte[] { 1, 2, 3 }, Guest.Read(child, P(1) + 5, 3).Value);
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
        Assert.Equal(new byte[] { 0xC3, 0x90, 0x90, 0 }, Guest.Read(child, P(20), 4).Value);
        Assert.Equal((byte)30, Guest.ReadByte(child, P(30)).Value);
        Assert.Equal((byte)0xC3, Guest.PeekGuest(child, P(20)));
        Assert.Equal(HostMaps.PagePermissions(parent.GuestViewBase, P(0), P(40)), HostMaps.PagePermissions(child.GuestViewBase, P(0), P(40)));

        // Private memory is now independent in both directions; shared memory is not.
        Assert.Equal(LinuxError.None, Guest.Write(child, P(1) + 5, [100]));
        Assert.Equal(LinuxError.None, Guest.Write(parent, P(9) + 7, [200]));
        Assert.Equal((byte)1, Guest.ReadByte(parent, P(1) + 5).Value);
        Assert.Equal((byte)9, Guest.ReadByte(child, P(9) + 7).Value);
        Assert.Equal(LinuxError.None, Guest.Write(child, P(30) + 1, [31]));
        Assert.Equal((byte)31, Guest.ReadByte(parent, P(30) + 1).Value);

        // Unpopulated lazy pages stay unpopulated and read zero.
        Assert.False(child.IsPopulated(P(14)));
        Assert.Equal((byte)0, Guest.ReadByte(child, P(14)).Value);

        // Unmapping in the parent leaves the child alone.
        Assert.Equal(LinuxError.None, parent.Unmap(P(0), 40 * Page));
        Assert.Equal((byte)100, Guest.ReadByte(child, P(1) + 5).Value);
        Assert.Equal((byte)31, Guest.ReadByte(child, P(30) + 1).Value);
    }

    [Fact]
    public void Clone_of_an_empty_space_and_of_a_clone()
    {
        using AddrSpace empty = Small();
        using AddrSpace emptyClone = empty.Clone();
        Assert.Empty(emptyClone.GetAreas());
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace parent = Parent(shm);
        using AddrSpace child = parent.Clone();
        using AddrSpace grandchild = child.Clone();
        AssertSameShape(parent, grandchild);
        Assert.Equal((byte)9, Guest.ReadByte(grandchild, P(9) + 7).Value);
    }

    [Fact]
    public void Snapshot_round_trip_through_file_descriptors_as_another_process_would_see_them()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace parent = Parent(shm);
        byte[] table;
        int memoryFd;
        SharedMemory[] received;
        using (AddrSpaceSnapshot snapshot = parent.CreateSnapshot())
        {
            Assert.Single(snapshot.SharedMemories);
            table = [.. snapshot.AreaTable];

            // What a spawned process would do: open the descriptors it was given, adopt them.
            memoryFd = Reopen(snapshot.MemoryFd);
            received = [.. snapshot.SharedMemories.Select(s => SharedMemory.Adopt(Reopen(s.Fd)))];
        }

        try
        {
            using AddrSpace restored = AddrSpace.RestoreSnapshot(memoryFd, table, received);
            AssertSameShape(parent, restored);
            Assert.Equal(new byte[] { 1, 2, 3 }, Guest.Read(restored, P(1) + 5, 3).Value);
            Assert.Equal(LinuxError.None, Guest.Write(restored, P(30) + 2, [32]));
            Assert.Equal((byte)32, Guest.ReadByte(parent, P(30) + 2).Value); // the same shared pages
            Assert.Equal(LinuxError.None, Guest.Write(restored, P(2), [5]));
            Assert.Equal((byte)0, Guest.ReadByte(parent, P(2)).Value);
        }
        finally
        {
            foreach (SharedMemory s in received)
            {
                s.Dispose();
            }

            CloseFd(memoryFd);
        }
    }

    [Fact]
    public void A_snapshot_object_restores_once()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace parent = Parent(shm);
        using AddrSpaceSnapshot snapshot = parent.CreateSnapshot();
        using AddrSpace first = AddrSpace.RestoreSnapshot(snapshot);
        Assert.Throws<InvalidOperationException>(() => AddrSpace.RestoreSnapshot(snapshot));
    }

    [Fact]
    public void Malformed_tables_and_mismatched_shared_objects_are_rejected()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace parent = Parent(shm);
        using AddrSpaceSnapshot snapshot = parent.CreateSnapshot();
        byte[] table = snapshot.AreaTable;
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, table.AsSpan(0, 10), snapshot.SharedMemories));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, table.AsSpan(0, table.Length - 1), snapshot.SharedMemories));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, table, []));
        using SharedMemory wrongSize = SharedMemory.Create(Page);
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, table, [wrongSize]));
        byte[] corrupt = [.. table];
        corrupt[0] ^= 1;
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, corrupt, snapshot.SharedMemories));

        // Overlapping areas: copy the first area's start over the second's.
        byte[] overlapping = [.. table];
        int areas = 40 + 8; // header + one shared size
        Array.Copy(overlapping, areas, overlapping, areas + 48, 8);
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, overlapping, snapshot.SharedMemories));
    }

    [Fact]
    public void Clear_removes_everything_and_the_space_stays_usable()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace space = Parent(shm);
        space.Clear();
        Assert.Empty(space.GetAreas());
        Assert.Equal(0UL, space.CommittedBytes);
        Assert.Equal(0, space.ResidentPages);
        Assert.Equal(2, HostMaps.Within(space.KernelBase, space.UserRange.End.Value).Count + HostMaps.Within(space.GuestViewBase, space.UserRange.End.Value).Count);
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 4 * Page, RW, populate: false));
        Assert.Equal((byte)0, Guest.ReadByte(space, P(1) + 5).Value);
        Assert.Equal(LinuxError.None, space.MapAlloc(P(30), 2 * Page, RW, populate: false));
        Assert.Equal((byte)0, Guest.ReadByte(space, P(30)).Value); // not the shared page any more
    }

    private static int Reopen(int fd)
    {
        SafeFileHandle handle = File.OpenHandle($"/proc/self/fd/{fd}", FileMode.Open, FileAccess.ReadWrite);
        int raw = (int)handle.DangerousGetHandle();
        handle.SetHandleAsInvalid(); // ownership moves to the caller
        return raw;
    }

    private static void CloseFd(int fd) => new SafeFileHandle(fd, ownsHandle: true).Dispose();
}
