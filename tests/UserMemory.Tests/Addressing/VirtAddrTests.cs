using System;

namespace UserMemory.Tests.Addressing;

public class VirtAddrTests
{
    [Theory]
    [InlineData(0x1234UL, 0x1000UL, 0x1000UL)]
    [InlineData(0x1000UL, 0x1000UL, 0x1000UL)]
    [InlineData(ulong.MaxValue, 0x1000UL, 0xFFFF_FFFF_FFFF_F000UL)]
    [InlineData(7UL, 8UL, 0UL)]
    public void AlignDownRoundsTowardZero(ulong value, ulong align, ulong expected)
    {
        Assert.Equal(expected, new VirtAddr(value).AlignDown(align).Value);
        Assert.Equal(expected, Pages.AlignDown(value, align));
    }

    [Theory]
    [InlineData(0x1001UL, 0x2000UL)]
    [InlineData(0x1000UL, 0x1000UL)]
    [InlineData(0UL, 0UL)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 0xFFFF_FFFF_FFFF_F000UL)]
    public void AlignUpRoundsAwayFromZero(ulong value, ulong expected)
    {
        Assert.True(new VirtAddr(value).TryAlignUp(Pages.Size4K, out VirtAddr up));
        Assert.Equal(expected, up.Value);
        Assert.Equal(expected, new VirtAddr(value).AlignUp(Pages.Size4K).Value);
    }

    [Theory]
    [InlineData(0xFFFF_FFFF_FFFF_F001UL)]
    [InlineData(ulong.MaxValue)]
    public void AlignUpPastTheTopFailsInsteadOfWrapping(ulong value)
    {
        Assert.False(new VirtAddr(value).TryAlignUp(Pages.Size4K, out VirtAddr up));
        Assert.Equal(0UL, up.Value);
        Assert.False(Pages.TryAlignUp4K(value, out _));
        Assert.Throws<OverflowException>(() => new VirtAddr(value).AlignUp(Pages.Size4K));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL)]
    [InlineData(0x1001UL)]
    public void NonPowerOfTwoAlignmentIsAProgrammingError(ulong align)
    {
        Assert.Throws<ArgumentException>(() => new VirtAddr(0x1000).AlignDown(align));
        Assert.Throws<ArgumentException>(() => new VirtAddr(0x1000).IsAligned(align));
        Assert.Throws<ArgumentException>(() => Pages.TryAlignUp(0x1000, align, out _));
    }

    [Fact]
    public void IsAlignedAndPageHelpers()
    {
        Assert.True(new VirtAddr(0x2000).IsAligned4K);
        Assert.False(new VirtAddr(0x2001).IsAligned4K);
        Assert.True(new VirtAddr(0x2008).IsAligned(8));
        Assert.False(new VirtAddr(0x2004).IsAligned(8));
        Assert.Equal(0x123UL, new VirtAddr(0x5123).PageOffset4K);
        Assert.Equal(0x5000UL, new VirtAddr(0x5123).AlignDown4K.Value);
        Assert.Equal(4096UL, Pages.Size4K);
        Assert.Equal(12, Pages.Shift4K);
        Assert.True(Pages.IsPowerOfTwo(4096));
        Assert.False(Pages.IsPowerOfTwo(0));
    }

    [Fact]
    public void TryAddDetectsWrap()
    {
        Assert.True(new VirtAddr(ulong.MaxValue - 1).TryAdd(1, out VirtAddr sum));
        Assert.Equal(ulong.MaxValue, sum.Value);
        Assert.False(new VirtAddr(ulong.MaxValue - 1).TryAdd(2, out _));
    }

    [Fact]
    public void OperatorsAndFormatting()
    {
        VirtAddr a = 0x1000;
        Assert.Equal(0x1010UL, (a + 0x10).Value);
        Assert.Equal(0xFF0UL, (a - 0x10).Value);
        Assert.Equal(0x10UL, new VirtAddr(0x1010) - a);
        Assert.True(a < new VirtAddr(0x1001));
        Assert.True(a == VirtAddr.FromUInt64(0x1000));
        Assert.Equal("0x1000", a.ToString());
        Assert.True(VirtAddr.Null.IsNull);
        Assert.Equal(ulong.MaxValue, VirtAddr.MaxValue.Value);
        Assert.Equal(0x1000UL, (ulong)a);
        Assert.Equal(a.GetHashCode(), new VirtAddr(0x1000).GetHashCode());
        Assert.Equal(0, a.CompareTo(new VirtAddr(0x1000)));
    }
}
