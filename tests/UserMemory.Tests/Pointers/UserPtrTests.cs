using System;
using System.Runtime.CompilerServices;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Pointers;

public class UserPtrTests
{
    [Fact]
    public void PointersAreTheSizeOfOneAddress()
    {
        Assert.Equal(8, Unsafe.SizeOf<UserPtr<long>>());
        Assert.Equal(8, Unsafe.SizeOf<UserConstPtr<byte>>());
    }

    [Fact]
    public void ConstructionConversionAndIdentity()
    {
        var p = (UserPtr<int>)0x1234UL;
        Assert.Equal(0x1234UL, p.Address.Value);
        Assert.Equal(p, UserPtr<int>.FromAddress(0x1234));
        Assert.Equal(p, (UserPtr<int>)(nuint)0x1234);
        Assert.False(p.IsNull);
        Assert.True(UserPtr<int>.Null.IsNull);
        Assert.Null(UserPtr<int>.Null.Nullable());
        Assert.Equal(p, p.Nullable());
        Assert.Equal(0x1234UL, p.Cast<byte>().Address.Value);
        UserConstPtr<int> c = p;
        Assert.Equal(0x1234UL, c.Address.Value);
        Assert.Equal(c, p.ToUserConstPtr());
        Assert.Null(UserConstPtr<int>.Null.Nullable());
        Assert.Equal(MappingFlags.Read | MappingFlags.Write, UserPtr<int>.AccessFlags);
        Assert.Equal(MappingFlags.Read, UserConstPtr<int>.AccessFlags);
        Assert.Equal("UserPtr<Int32>(0x1234)", p.ToString());
        Assert.Equal("UserConstPtr<Int32>(0x1234)", c.ToString());
        Assert.True(p == UserPtr<int>.FromAddress(0x1234));
        Assert.True(p != UserPtr<int>.Null);
    }

    [Fact]
    public unsafe void AsPtrIsTheRawUserAddress()
    {
        Assert.Equal((nuint)0x4000, (nuint)UserPtr<long>.FromAddress(0x4000).AsPtr());
        Assert.Equal((nuint)0x4000, (nuint)UserConstPtr<long>.FromAddress(0x4000).AsPtr());
    }

    [Fact]
    public void GetReturnsAWritableReferenceIntoUserMemory()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        UserRef<long> r = UserPtr<long>.FromAddress(Layouts.RwEager + 0x18).Get(in access);
        Assert.True(r.IsOk);
        r.Value = 0x1122334455667788;
        Assert.Equal(0x1122334455667788, BitConverter.ToInt64(space.Raw(Layouts.RwEager + 0x18, 8)));
        UserReadOnlyRef<long> ro = UserConstPtr<long>.FromAddress(Layouts.RwEager + 0x18).Get(in access);
        Assert.Equal(0x1122334455667788, ro.Value);
    }

    [Theory]
    [InlineData(0UL, LinuxError.EFAULT)]                              // null
    [InlineData(Layouts.RwEager + 4, LinuxError.EFAULT)]              // misaligned for long
    [InlineData(Layouts.Hole, LinuxError.EFAULT)]                     // unmapped
    [InlineData(Layouts.ReadOnly, LinuxError.EFAULT)]                 // UserPtr needs write
    [InlineData(Layouts.WriteOnly, LinuxError.EFAULT)]                // and read
    [InlineData(Layouts.ReadOnly - 8, LinuxError.None)]               // last slot of the RW area
    [InlineData(Layouts.End - 8, LinuxError.None)]                    // ends exactly at the top of user space
    [InlineData(Layouts.End, LinuxError.EFAULT)]                      // past the top
    [InlineData(Layouts.Start - 8, LinuxError.EFAULT)]                // below the user range
    [InlineData(0xFFFF_FFFF_FFFF_FFF8UL, LinuxError.EFAULT)]          // 2^64 - 8
    public void GetOnAWritablePointer(ulong address, LinuxError expected)
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(expected, UserPtr<long>.FromAddress(address).Get(in access).Error);
    }

    [Theory]
    [InlineData(Layouts.ReadOnly, LinuxError.None)]
    [InlineData(Layouts.WriteOnly, LinuxError.EFAULT)]
    [InlineData(Layouts.Hole - 4, LinuxError.None)]
    [InlineData(Layouts.Hole - 2, LinuxError.EFAULT)]                 // misaligned int
    public void GetOnAReadOnlyPointer(ulong address, LinuxError expected)
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(expected, UserConstPtr<int>.FromAddress(address).Get(in access).Error);
    }

    [Fact]
    public void AValueStraddlingIntoAnUnmappedPageFails()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<Pair>.FromAddress(Layouts.Hole - 8).Get(in access).Error);
        Assert.Equal(LinuxError.None, UserConstPtr<Pair>.FromAddress(Layouts.Hole - 16).Get(in access).Error);
    }

    [Fact]
    public void FailedResultsThrowOnlyThroughTheConvenienceForm()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        UserRef<int> bad = UserPtr<int>.FromAddress(Layouts.Hole).Get(in access);
        Assert.True(Unsafe.IsNullRef(ref bad.GetValueUnchecked()));
        try
        {
            _ = bad.Value;
            Assert.Fail("expected an exception");
        }
        catch (UserMemoryException e)
        {
            Assert.Equal(LinuxError.EFAULT, e.Error);
        }
    }

    [Fact]
    public void LazyPagesArePopulatedBeforeTheyAreTouched()
    {
        using TestAddressSpace space = Layouts.Standard();
        int before = space.PopulatedPages;
        using var access = UserAccess.Begin(space);
        UserRef<int> r = UserPtr<int>.FromAddress(Layouts.RwLazy + 0x1000).Get(in access);
        Assert.True(r.IsOk);
        Assert.Equal(0, r.Value);
        Assert.Equal(before + 1, space.PopulatedPages);
        Assert.True(space.IsPopulated(Layouts.RwLazy + 0x1000));
        Assert.False(space.IsPopulated(Layouts.RwLazy));
    }

    [Fact]
    public void PopulationFailureIsEnomem()
    {
        using TestAddressSpace space = Layouts.Standard();
        space.FailPopulation = true;
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOMEM, UserPtr<int>.FromAddress(Layouts.RwLazy).Get(in access).Error);
        Assert.Equal(LinuxError.None, UserPtr<int>.FromAddress(Layouts.RwEager).Get(in access).Error);
    }

    [Fact]
    public void TopOfTheSixtyFourBitSpace()
    {
        using TestAddressSpace space = Layouts.TopOfSpace(out ulong end);
        using var access = UserAccess.Begin(space);
        Assert.True(UserPtr<ulong>.FromAddress(end - 8).Get(in access).IsOk);
        Assert.Equal(LinuxError.EFAULT, UserPtr<ulong>.FromAddress(end).Get(in access).Error);
        for (ulong k = 1; k <= 64; k++)
        {
            Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(0UL - k).Get(in access).Error);
            Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(0UL - k).GetAsSlice(in access, k + 1).Error);
        }
    }

    private struct Pair
    {
        public long A;
        public long B;
    }
}
