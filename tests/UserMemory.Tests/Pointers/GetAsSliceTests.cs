using System;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Pointers;

public class GetAsSliceTests
{
    [Fact]
    public void ASliceSpanningTwoPagesReadsAndWrites()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        UserSpan<int> s = UserPtr<int>.FromAddress(Layouts.RwEager + 0xFF0).GetAsSlice(in access, 8);
        Assert.True(s.IsOk);
        Assert.Equal(8, s.Value.Length);
        s.Value.Fill(7);
        Assert.Equal(7, BitConverter.ToInt32(space.Raw(Layouts.RwEager + 0x100C, 4)));
    }

    [Theory]
    [InlineData(Layouts.ReadOnly - 8, 4UL, LinuxError.EFAULT)]       // runs from RW into read-only
    [InlineData(Layouts.Hole - 4, 2UL, LinuxError.EFAULT)]           // runs into the hole (read-only pointer below)
    [InlineData(Layouts.RwEager, 0x800UL, LinuxError.None)]          // exactly two pages
    [InlineData(Layouts.RwEager, 0x801UL, LinuxError.EFAULT)]        // one element too many
    [InlineData(Layouts.LastPage, 0x400UL, LinuxError.None)]         // ends exactly at the top of user space
    [InlineData(Layouts.LastPage, 0x401UL, LinuxError.EFAULT)]
    [InlineData(Layouts.RwEager + 2, 1UL, LinuxError.EFAULT)]        // misaligned
    [InlineData(0UL, 1UL, LinuxError.EFAULT)]                        // null
    public void WritableSliceErrors(ulong address, ulong length, LinuxError expected)
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(expected, UserPtr<int>.FromAddress(address).GetAsSlice(in access, length).Error);
    }

    [Fact]
    public void ReadOnlySliceNeedsOnlyRead()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.True(UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsSlice(in access, 0x3000).IsOk);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsSlice(in access, 0x3001).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(Layouts.RwEager).GetAsSlice(in access, 0x2001).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.WriteOnly).GetAsSlice(in access, 1).Error);
    }

    [Theory]
    [InlineData(Layouts.Hole)]           // unmapped user address
    [InlineData(Layouts.ReadOnly)]       // read-only page, writable pointer
    [InlineData(Layouts.End)]            // the end of user space itself
    [InlineData(Layouts.RwEager + 1)]    // bytes need no alignment
    public void ZeroLengthAtAUserAddressSucceedsWithoutTouchingMemory(ulong address)
    {
        using TestAddressSpace space = Layouts.Standard();
        int populateCalls = space.PopulateCalls;
        using var access = UserAccess.Begin(space);
        UserSpan<byte> s = UserPtr<byte>.FromAddress(address).GetAsSlice(in access, 0);
        Assert.True(s.IsOk);
        Assert.True(s.Value.IsEmpty);
        Assert.Equal(populateCalls, space.PopulateCalls);
    }

    [Theory]
    [InlineData(0UL)]                         // null
    [InlineData(Layouts.Start - 0x1000)]      // below user space
    [InlineData(Layouts.End + 1)]             // above user space
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    [InlineData(Layouts.RwEager + 2)]         // misaligned for int, even with zero length (axptr checks alignment first)
    public void ZeroLengthElsewhereIsEfault(ulong address)
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(address).GetAsSlice(in access, 0).Error);
    }

    [Fact]
    public void CountTimesSizeOverflowIsEfaultNotAWrap()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        // ulong.MaxValue / 8 + 1 elements of 8 bytes wraps to a tiny byte count if multiplied naively.
        ulong[] lengths = [ulong.MaxValue, ulong.MaxValue / 8 + 1, ulong.MaxValue / 8, (ulong.MaxValue / 8) + 2, 1UL << 61];
        foreach (ulong n in lengths)
        {
            Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Layouts.RwEager).GetAsSlice(in access, n).Error);
            Assert.Equal(LinuxError.EFAULT, UserConstPtr<long>.FromAddress(Layouts.RwEager).GetAsSlice(in access, n).Error);
        }

        // 2^61 + 1 elements of 8 bytes is 2^64 + 8 bytes: wraps to 8 if unchecked.
        Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Layouts.RwEager).GetAsSlice(in access, (1UL << 61) + 1).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<Big>.FromAddress(Layouts.RwEager).GetAsSlice(in access, (ulong.MaxValue / 24) + 1).Error);
    }

    [Fact]
    public void AddressPlusSizeOverflowIsEfault()
    {
        using TestAddressSpace space = Layouts.TopOfSpace(out ulong end);
        using var access = UserAccess.Begin(space);
        Assert.True(UserPtr<byte>.FromAddress(end - 0x10000).GetAsSlice(in access, 0x10000).IsOk);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(end - 0x10000).GetAsSlice(in access, 0x10001).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(end - 16).GetAsSlice(in access, 0x1000).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(end - 16).GetAsSlice(in access, ulong.MaxValue - 8).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<ulong>.FromAddress(0xFFFF_FFFF_FFFF_FFF8).GetAsSlice(in access, 1).Error);
        Assert.Equal(LinuxError.EFAULT, UserPtr<ulong>.FromAddress(0xFFFF_FFFF_FFFF_FFF8).GetAsSlice(in access, 2).Error);
    }

    [Fact]
    public void MoreElementsThanASpanHoldsIsEinval()
    {
        var space = new PermissiveAddressSpace();
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EINVAL, UserConstPtr<byte>.FromAddress(0x1000).GetAsSlice(in access, (ulong)int.MaxValue + 1).Error);
        Assert.True(UserConstPtr<byte>.FromAddress(0x1000).GetAsSlice(in access, int.MaxValue).IsOk);
    }

    [Fact]
    public void LazyPagesOfASliceAreAllPopulated()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.True(UserPtr<byte>.FromAddress(Layouts.RwLazy + 0xFFF).GetAsSlice(in access, 2).IsOk);
        Assert.True(space.IsPopulated(Layouts.RwLazy));
        Assert.True(space.IsPopulated(Layouts.RwLazy + 0x1000));
    }

    private struct Big
    {
        public long A;
        public long B;
        public long C;
    }
}
