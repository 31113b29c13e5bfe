using System;
using System.Threading.Tasks;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Atomics;

public class UserAtomicTests
{
    // Page 0 read-write, 1 unmapped, 2 read-only, 3 lazy read-write.
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), P, RW);
        space.Map(Page(2), P, R);
        space.Map(Page(3), P, RW, populate: false);
        return space;
    }

    [Fact]
    public void Load_and_compare_exchange_on_an_aligned_word()
    {
        using TestAddressSpace space = Layout();
        BitConverter.GetBytes(7u).CopyTo(space.Raw(Base + 8, 4));
        using UserAccess access = UserAccess.Begin(space);
        var word = (UserPtr<uint>)(Base + 8);
        Assert.Equal(7u, UserCopy.AtomicLoad32(in access, word).Value);
        Assert.Equal(7u, UserCopy.CompareExchange32(in access, word, 7, 9).Value);   // exchanged
        Assert.Equal(9u, UserCopy.CompareExchange32(in access, word, 7, 11).Value);  // not: returns what was there
        Assert.Equal(9u, BitConverter.ToUInt32(space.Raw(Base + 8, 4)));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4094UL)]
    public void Misaligned_words_are_EINVAL_even_where_nothing_is_mapped(ulong offset)
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EINVAL, UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)(Base + offset)).Error);
        Assert.Equal(LinuxError.EINVAL, UserCopy.CompareExchange32(in access, (UserPtr<uint>)(Base + offset), 0, 1).Error);
        Assert.Equal(LinuxError.EINVAL, UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)(Page(1) + offset)).Error);
        Assert.Equal(LinuxError.EINVAL, UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)(0xFFFF_FFFF_FFFF_0000UL + offset)).Error);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(Base + (1 * 4096))]
    [InlineData(Base - 4)]
    [InlineData(End)]
    [InlineData(ulong.MaxValue - 3)]
    public void Inaccessible_words_are_EFAULT(ulong address)
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)address).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CompareExchange32(in access, (UserPtr<uint>)address, 0, 1).Error);
    }

    [Fact]
    public void Compare_exchange_needs_write_access()
    {
        using TestAddressSpace space = Layout();
        BitConverter.GetBytes(5u).CopyTo(space.Raw(Page(2), 4));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(5u, UserCopy.AtomicLoad32(in access, (UserConstPtr<uint>)Page(2)).Value);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CompareExchange32(in access, (UserPtr<uint>)Page(2), 5, 6).Error);
        Assert.Equal(5u, BitConverter.ToUInt32(space.Raw(Page(2), 4)));
    }

    [Fact]
    public void Lazy_words_are_populated_or_fail_with_ENOMEM()
    {
        using TestAddressSpace space = Layout();
        Assert.Equal(0u, UserCopy.AtomicLoad32(space, (UserConstPtr<uint>)(Page(3) + 4)).Value);
        Assert.Equal(3, space.PopulatedPages); // pages 0 and 2 were mapped populated

        using TestAddressSpace failing = Layout();
        failing.FailPopulation = true;
        Assert.Equal(LinuxError.ENOMEM, UserCopy.CompareExchange32(failing, (UserPtr<uint>)Page(3), 0, 1).Error);
    }

    [Fact]
    public void Compare_exchange_is_atomic_across_threads()
    {
        using TestAddressSpace space = Layout();
        var word = (UserPtr<uint>)(Base + 64);
        const int PerThread = 20_000;
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                using UserAccess access = UserAccess.Begin(space);
                uint seen = UserCopy.AtomicLoad32(in access, word).Value;
                while (true)
                {
                    uint previous = UserCopy.CompareExchange32(in access, word, seen, seen + 1).Value;
                    if (previous == seen)
                    {
                        break;
                    }

                    seen = previous;
                }
            }
        });
        Assert.Equal(4u * PerThread, UserCopy.AtomicLoad32(space, (UserConstPtr<uint>)(Base + 64)).Value);
    }
}
