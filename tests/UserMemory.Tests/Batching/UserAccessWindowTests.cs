using System;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Batching;

public class UserAccessWindowTests
{
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 2 * P, RW, populate: false);
        space.Map(Page(3), P, R);
        return space;
    }

    [Fact]
    public void Many_accesses_cost_one_validation()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        UserAccessWindow window = UserAccessWindow.OpenReadWrite(in access, (UserPtr<int>)(Base + 4000), 100);
        Assert.True(window.IsOk);
        Assert.Equal(400UL, window.Size);
        Assert.Equal(3, space.PopulatedPages); // pages 0 and 1 populated by the open (page 3 was mapped populated)
        int calls = space.PopulateCalls;
        for (ulong i = 0; i < 100; i++)
        {
            Assert.Equal(LinuxError.None, window.Write(i * 4, (int)i * 3));
        }

        long sum = 0;
        for (ulong i = 0; i < 100; i++)
        {
            sum += window.Read<int>(i * 4).Value;
        }

        Assert.Equal(3 * 99 * 100 / 2, sum);
        Assert.Equal(calls, space.PopulateCalls); // no address-space call after opening
        Assert.Equal(99 * 3, BitConverter.ToInt32(space.Raw(Base + 4000 + 396, 4)));
    }

    [Fact]
    public void Accesses_are_checked_against_the_window_bounds()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        UserAccessWindow window = UserAccessWindow.Open(in access, new VirtAddr(Base + 1), 16, MappingFlags.Read | MappingFlags.Write);
        Assert.True(window.Read<long>(8).IsOk);                                    // the last 8 bytes, misaligned
        Assert.Equal(LinuxError.EFAULT, window.Read<long>(9).Error);               // one byte past the end
        Assert.Equal(LinuxError.EFAULT, window.Read<byte>(16).Error);
        Assert.Equal(LinuxError.EFAULT, window.Read<byte>(ulong.MaxValue).Error);  // offset + size would wrap
        Assert.Equal(LinuxError.EFAULT, window.Write<int>(13, 1));
        Assert.Equal(LinuxError.EFAULT, window.Write<int>(ulong.MaxValue - 1, 1));
        Assert.Equal(0, space.Raw(Base + 14, 1)[0]);
    }

    [Fact]
    public void Opening_fails_like_a_copy_and_the_error_sticks()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        UserAccessWindow hole = UserAccessWindow.Open(in access, new VirtAddr(Page(2) - 4), 8, MappingFlags.Read);
        Assert.Equal(LinuxError.EFAULT, hole.Error);
        Assert.Equal(LinuxError.EFAULT, hole.Read<int>(0).Error);
        Assert.Equal(LinuxError.EFAULT, hole.Write(0, 1));
        Assert.Equal(LinuxError.EFAULT, hole.Slice<int>(0, 1).Error);
        Assert.Equal(LinuxError.EFAULT, UserAccessWindow.Open(in access, new VirtAddr(Page(3)), 8, MappingFlags.Write).Error);        // read-only
        Assert.Equal(LinuxError.EFAULT, UserAccessWindow.Open(in access, new VirtAddr(ulong.MaxValue - 3), 8, MappingFlags.Read).Error); // wraps
        Assert.Equal(LinuxError.EFAULT, UserAccessWindow.OpenRead(in access, (UserConstPtr<long>)Base, (ulong.MaxValue / 8) + 1).Error); // count * 8 wraps
        Assert.Equal(LinuxError.EFAULT, UserAccessWindow.Open(in access, VirtAddr.Null, 1, MappingFlags.Read).Error);

        UserAccessWindow empty = UserAccessWindow.Open(in access, new VirtAddr(Page(2)), 0, MappingFlags.Read);
        Assert.True(empty.IsOk);
        Assert.Equal(LinuxError.EFAULT, empty.Read<byte>(0).Error);
        Assert.True(empty.ReadOnlySlice<byte>(0, 0).IsOk);

        space.FailPopulation = true;
        Assert.Equal(LinuxError.ENOMEM, UserAccessWindow.Open(in access, new VirtAddr(Base), 8, MappingFlags.Read).Error);
    }

    [Fact]
    public void Slices_need_alignment_and_fit()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        UserAccessWindow window = UserAccessWindow.Open(in access, new VirtAddr(Base), 64, MappingFlags.Read | MappingFlags.Write);
        UserSpan<int> ints = window.Slice<int>(8, 4);
        Assert.True(ints.IsOk);
        ints.Value.Fill(0x01020304);
        Assert.Equal(0x01020304, BitConverter.ToInt32(space.Raw(Base + 20, 4)));
        Assert.Equal(0x01020304, window.ReadOnlySlice<int>(20, 1).Value[0]);
        Assert.Equal(LinuxError.EFAULT, window.Slice<int>(2, 1).Error);                      // misaligned
        Assert.Equal(LinuxError.EFAULT, window.Slice<int>(0, 17).Error);                     // past the end
        Assert.Equal(LinuxError.EFAULT, window.Slice<long>(0, (ulong.MaxValue / 8) + 1).Error); // count * 8 wraps
        Assert.True(window.Slice<byte>(64, 0).IsOk);
    }

    [Fact]
    public void Using_a_window_for_an_access_it_was_not_opened_for_is_a_kernel_bug()
    {
        using TestAddressSpace space = Layout();
        Assert.Throws<InvalidOperationException>(() =>
        {
            using UserAccess access = UserAccess.Begin(space);
            UserAccessWindow window = UserAccessWindow.OpenRead(in access, (UserConstPtr<int>)Page(3), 4);
            Assert.True(window.Read<int>(0).IsOk);
            window.Write(0, 1);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            using UserAccess access = UserAccess.Begin(space);
            UserAccessWindow window = UserAccessWindow.OpenRead(in access, (UserConstPtr<int>)Page(3), 4);
            _ = window.Slice<int>(0, 1);
        });
        Assert.Equal(0, UserAccessContext.Depth);
    }
}
