using System;

namespace UserMemory.Tests.Addressing;

public class VirtAddrRangeTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(0x1000UL, 0x1000UL)]
    [InlineData(ulong.MaxValue, 0UL)]
    [InlineData(ulong.MaxValue - 0xFFF, 0xFFFUL)]
    [InlineData(0UL, ulong.MaxValue)]
    public void TryFromStartSizeAcceptsEveryRangeEndingAtOrBelowTheTop(ulong start, ulong size)
    {
        Assert.True(VirtAddrRange.TryFromStartSize(start, size, out VirtAddrRange r));
        Assert.Equal(start, r.Start.Value);
        Assert.Equal(start + size, r.End.Value);
        Assert.Equal(size, r.Size);
    }

    [Theory]
    [InlineData(ulong.MaxValue, 1UL)]
    [InlineData(ulong.MaxValue - 0xFFF, 0x1000UL)]
    [InlineData(1UL, ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 7, ulong.MaxValue - 7)]
    public void TryFromStartSizeRejectsOverflowWithoutThrowing(ulong start, ulong size)
    {
        Assert.False(VirtAddrRange.TryFromStartSize(start, size, out VirtAddrRange r));
        Assert.Equal(default, r);
        Assert.Throws<OverflowException>(() => VirtAddrRange.FromStartSize(start, size));
    }

    [Fact]
    public void EndBelowStartIsAProgrammingError() =>
        Assert.Throws<ArgumentException>(() => new VirtAddrRange(0x2000, 0x1000));

    [Fact]
    public void ContainmentOverlapAndIntersection()
    {
        var r = new VirtAddrRange(0x1000, 0x3000);
        Assert.True(r.Contains(new VirtAddr(0x1000)));
        Assert.True(r.Contains(new VirtAddr(0x2FFF)));
        Assert.False(r.Contains(new VirtAddr(0x3000)));
        Assert.True(r.Contains(new VirtAddrRange(0x3000, 0x3000)));
        Assert.True(r.Contains(new VirtAddrRange(0x1000, 0x3000)));
        Assert.False(r.Contains(new VirtAddrRange(0x1000, 0x3001)));
        Assert.True(r.Overlaps(new VirtAddrRange(0x2FFF, 0x4000)));
        Assert.False(r.Overlaps(new VirtAddrRange(0x3000, 0x4000)));
        Assert.False(r.Overlaps(new VirtAddrRange(0x2000, 0x2000)));
        Assert.Equal(new VirtAddrRange(0x2000, 0x3000), r.Intersect(new VirtAddrRange(0x2000, 0x5000)));
        Assert.True(r.Intersect(new VirtAddrRange(0x5000, 0x6000)).IsEmpty);
        Assert.Equal("[0x1000, 0x3000)", r.ToString());
    }

    [Fact]
    public void PageCoverRoundsOutAndReportsOverflow()
    {
        Assert.True(new VirtAddrRange(0x1001, 0x2001).TryPageCover(out VirtAddrRange c));
        Assert.Equal(new VirtAddrRange(0x1000, 0x3000), c);
        Assert.True(c.IsPageAligned);
        Assert.False(new VirtAddrRange(ulong.MaxValue - 10, ulong.MaxValue - 1).TryPageCover(out _));
        Assert.True(new VirtAddrRange(0xFFFF_FFFF_FFFF_E000, 0xFFFF_FFFF_FFFF_F000).TryPageCover(out _));
    }

    [Fact]
    public void MappingFlagsHaveArceOsValues()
    {
        Assert.Equal(1, (int)MappingFlags.Read);
        Assert.Equal(2, (int)MappingFlags.Write);
        Assert.Equal(4, (int)MappingFlags.Execute);
        Assert.Equal(8, (int)MappingFlags.User);
        Assert.Equal(16, (int)MappingFlags.Device);
        Assert.Equal(32, (int)MappingFlags.Uncached);
    }
}
