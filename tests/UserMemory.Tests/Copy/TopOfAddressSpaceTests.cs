using System;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Copy;

/// <summary>Arithmetic at 2^64 - k, with a user range that really extends to the top of the 64-bit space.</summary>
public class TopOfAddressSpaceTests
{
    private static WideAddressSpace Layout()
    {
        TestAddressSpace inner = Create();
        inner.Map(Page(0), 2 * P, RW);
        return new WideAddressSpace(inner);
    }

    [Theory]
    [InlineData(1UL, 1, 0)]    // the last addressable byte: in user space, not mapped
    [InlineData(1UL, 2, 0)]    // would end past 2^64 - 1
    [InlineData(10UL, 10, 0)]
    [InlineData(10UL, 11, 0)]
    [InlineData(4096UL, 8192, 0)]
    public void Copies_near_2_pow_64_fail_cleanly(ulong k, int length, int done)
    {
        using WideAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        ulong address = ulong.MaxValue - k;
        byte[] buffer = new byte[length];
        Assert.Equal(new CopyResult((nuint)done, LinuxError.EFAULT), UserCopy.CopyIn(in access, (UserConstPtr<byte>)address, buffer.AsSpan()));
        Assert.Equal(new CopyResult((nuint)done, LinuxError.EFAULT), UserCopy.CopyOut(in access, (UserPtr<byte>)address, (ReadOnlySpan<byte>)buffer));
        Assert.Equal(new CopyResult((nuint)done, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)address, (ulong)length));
        Assert.Equal(LinuxError.EFAULT, UserCopy.StrncpyFromUser(in access, (UserConstPtr<byte>)address, buffer).Error);
        Assert.Equal(0UL, UserCopy.StrnlenUser(in access, (UserConstPtr<byte>)address, ulong.MaxValue).ToLinuxReturn());
        Assert.Equal(LinuxError.EFAULT, UserCopy.ReadValue(in access, (UserConstPtr<ulong>)address).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyInArray(in access, (UserConstPtr<ulong>)address, 2).Error);
        Assert.Equal(LinuxError.EFAULT, UserAccessWindow.Open(in access, new VirtAddr(address), (ulong)length, MappingFlags.Read).Error);
    }

    [Fact]
    public void A_huge_ZeroOut_clears_the_mapped_prefix_and_stops_at_the_first_hole()
    {
        using WideAddressSpace space = Layout();
        space.Inner.Raw(Base, 8).Fill(7);
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)Base, ulong.MaxValue)); // wraps
        Assert.Equal(new CopyResult((nuint)(2 * P), LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)Base, ulong.MaxValue - Base));
        Assert.Equal(0, space.Inner.Raw(Base, 8)[7]);
    }

    [Fact]
    public void An_unterminated_string_running_to_the_end_of_the_mapping_is_EFAULT_even_with_an_unbounded_limit()
    {
        using WideAddressSpace space = Layout();
        space.Inner.Raw(Base, (int)(2 * P)).Fill((byte)'z');
        using UserAccess access = UserAccess.Begin(space);
        StrnlenResult n = UserCopy.StrnlenUser(in access, (UserConstPtr<byte>)Base, ulong.MaxValue);
        Assert.Equal((LinuxError.EFAULT, 0UL), (n.Error, n.ToLinuxReturn()));
    }
}
