using System;
using System.Linq;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Copy;

public class CopyInOutTests
{
    // Pages 0..2 readable and writable, page 3 unmapped, page 4 read-only, 5 unmapped.
    private static TestAddressSpace ThreeGoodPages()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 3 * P, RW);
        space.Map(Page(4), P, R);
        FillPattern(space, Page(0), (int)(3 * P));
        FillPattern(space, Page(4), (int)P);
        return space;
    }

    [Theory]
    [InlineData(0UL, 100, 100)]                 // inside one page
    [InlineData(1UL, 3 * 4096 - 1, 3 * 4096 - 1)] // misaligned start, ends exactly at the hole
    [InlineData(4093UL, 10, 10)]                // crosses a page boundary
    [InlineData(3 * 4096UL, 10, 0)]             // first byte faults
    [InlineData(3 * 4096UL - 5, 10, 5)]         // faults in the middle
    [InlineData(3 * 4096UL - 9, 10, 9)]         // only the last byte faults
    [InlineData(3 * 4096UL - 10, 10, 10)]       // ends exactly at the last good byte
    [InlineData(0UL, 5 * 4096, 3 * 4096)]       // long copy over the hole stops at its first byte
    public void CopyIn_stops_at_the_first_byte_of_the_first_bad_page(ulong offset, int length, int expectedDone)
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Enumerable.Repeat((byte)0xCC, length).ToArray();

        CopyResult r = UserCopy.CopyIn(in access, (UserConstPtr<byte>)(Base + offset), kernel.AsSpan());

        Assert.Equal((nuint)expectedDone, r.BytesDone);
        Assert.Equal(expectedDone == length ? LinuxError.None : LinuxError.EFAULT, r.Error);
        Assert.Equal(Pattern(Base + offset, expectedDone), kernel[..expectedDone]);
        Assert.All(kernel[expectedDone..], b => Assert.Equal(0, b)); // no stale kernel bytes
    }

    [Theory]
    [InlineData(0UL, 100, 100)]
    [InlineData(3 * 4096UL, 10, 0)]
    [InlineData(3 * 4096UL - 5, 10, 5)]
    [InlineData(3 * 4096UL - 9, 10, 9)]
    [InlineData(3 * 4096UL - 10, 10, 10)]
    [InlineData(4 * 4096UL, 1, 0)]              // read-only page: not writable
    [InlineData(4 * 4096UL - 1, 2, 0)]          // hole then read-only
    public void CopyOut_stops_at_the_first_byte_of_the_first_bad_page(ulong offset, int length, int expectedDone)
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        byte[] source = Enumerable.Range(0, length).Select(i => (byte)(0x80 | (i & 0x7F))).ToArray();

        CopyResult r = UserCopy.CopyOut(in access, (UserPtr<byte>)(Base + offset), (ReadOnlySpan<byte>)source);

        Assert.Equal((nuint)expectedDone, r.BytesDone);
        Assert.Equal(expectedDone == length ? LinuxError.None : LinuxError.EFAULT, r.Error);
        Assert.Equal(source[..expectedDone], space.Raw(Base + offset, expectedDone).ToArray());
    }

    [Fact]
    public void CopyOut_to_read_only_memory_writes_nothing()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        CopyResult r = UserCopy.CopyOut(in access, (UserPtr<byte>)Page(4), (ReadOnlySpan<byte>)new byte[] { 1, 2, 3 });
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), r);
        Assert.Equal(Pattern(Page(4), 3), space.Raw(Page(4), 3).ToArray());
    }

    [Fact]
    public void CopyIn_reads_read_only_memory()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = new byte[(int)P];
        Assert.Equal(CopyResult.Completed((nuint)P), UserCopy.CopyIn(in access, (UserConstPtr<byte>)Page(4), kernel.AsSpan()));
        Assert.Equal(Pattern(Page(4), (int)P), kernel);
    }

    [Theory]
    [InlineData(0UL)]                    // null
    [InlineData(Base - 1)]               // just below user space
    [InlineData(End)]                    // at the end of user space (non-empty)
    [InlineData(ulong.MaxValue - 3)]     // address + size wraps past 2^64
    [InlineData(ulong.MaxValue)]
    public void CopyIn_outside_user_space_copies_nothing_and_clears_the_buffer(ulong address)
    {
        using TestAddressSpace space = ThreeGoodPages();
        space.Map(Page(15), P, RW); // the top page is mapped: only the range check may refuse
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Enumerable.Repeat((byte)0xCC, 10).ToArray();
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.CopyIn(in access, (UserConstPtr<byte>)address, kernel.AsSpan()));
        Assert.All(kernel, b => Assert.Equal(0, b));
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.CopyOut(in access, (UserPtr<byte>)address, (ReadOnlySpan<byte>)kernel));
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)address, 10));
    }

    [Fact]
    public void A_range_ending_exactly_at_the_top_of_user_space_is_valid()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(15), P, RW);
        using UserAccess access = UserAccess.Begin(space);
        byte[] data = [1, 2, 3, 4];
        Assert.True(UserCopy.CopyOut(in access, (UserPtr<byte>)(End - 4), (ReadOnlySpan<byte>)data).IsOk);
        byte[] back = new byte[4];
        Assert.True(UserCopy.CopyIn(in access, (UserConstPtr<byte>)(End - 4), back.AsSpan()).IsOk);
        Assert.Equal(data, back);
        Assert.Equal(new CopyResult(3, LinuxError.EFAULT), new CopyResult(3, LinuxError.EFAULT));
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.CopyIn(in access, (UserConstPtr<byte>)(End - 3), back.AsSpan()));
    }

    [Theory]
    [InlineData(Base)]
    [InlineData(Base + (3 * P))]     // unmapped user address
    [InlineData(End)]                // the end of user space
    [InlineData(0UL)]                // null: read(fd, NULL, 0) is 0 in Linux
    [InlineData(End + 1)]            // not a user address: copy_*_user with n = 0 still returns 0
    [InlineData(ulong.MaxValue)]
    public void Zero_length_copies_succeed_at_any_address_without_touching_memory(ulong address)
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(CopyResult.Completed(0), UserCopy.CopyIn(in access, (UserConstPtr<byte>)address, Span<byte>.Empty));
        Assert.Equal(CopyResult.Completed(0), UserCopy.CopyOut(in access, (UserPtr<byte>)address, ReadOnlySpan<byte>.Empty));
        Assert.Equal(CopyResult.Completed(0), UserCopy.ZeroOut(in access, (UserPtr<byte>)address, 0));
        Assert.Empty(UserCopy.CopyInArray(in access, (UserConstPtr<long>)address, 0).Value);
        Assert.True(UserCopy.CopyInCaptureFaults(in access, (UserConstPtr<byte>)address, Span<byte>.Empty).IsOk);
        Assert.True(UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)address, ReadOnlySpan<byte>.Empty).IsOk);
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, new byte[8], (UserConstPtr<byte>)address, 0));
        Assert.Equal(LinuxError.None, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)address, 0, new byte[8], out bool ignored));
        Assert.False(ignored);
        Assert.Equal(CopyResult.Completed(0), UserCopy.CopyOutVector(in access, [new IoVec(address, 0)], "abc"u8));
        Assert.Equal(0, space.PopulateCalls);
    }

    [Fact]
    public void Lazy_pages_are_populated_by_a_copy()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), 4 * P, RW, populate: false);
        using UserAccess access = UserAccess.Begin(space);
        int[] values = Enumerable.Range(1, 2048).ToArray(); // 8 KiB
        Assert.Equal(CopyResult.Completed(8192), UserCopy.CopyOut(in access, (UserPtr<int>)(Base + 2), (ReadOnlySpan<int>)values));
        Assert.Equal(3, space.PopulatedPages);
        int[] back = new int[2048];
        Assert.Equal(CopyResult.Completed(8192), UserCopy.CopyIn(in access, (UserConstPtr<int>)(Base + 2), back.AsSpan()));
        Assert.Equal(values, back);
    }

    [Fact]
    public void Population_failure_stops_with_ENOMEM_at_the_first_lazy_page()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), P, RW);
        space.Map(Page(1), 2 * P, RW, populate: false);
        FillPattern(space, Page(0), (int)P);
        space.FailPopulation = true;
        using UserAccess access = UserAccess.Begin(space);

        byte[] kernel = Enumerable.Repeat((byte)0xCC, 200).ToArray();
        CopyResult r = UserCopy.CopyIn(in access, (UserConstPtr<byte>)(Page(1) - 100), kernel.AsSpan());
        Assert.Equal(new CopyResult(100, LinuxError.ENOMEM), r);
        Assert.All(kernel[100..], b => Assert.Equal(0, b));

        Assert.Equal(new CopyResult(100, LinuxError.ENOMEM), UserCopy.CopyOut(in access, (UserPtr<byte>)(Page(1) - 100), (ReadOnlySpan<byte>)kernel));
        Assert.Equal(new CopyResult(100, LinuxError.ENOMEM), UserCopy.ZeroOut(in access, (UserPtr<byte>)(Page(1) - 100), 200));
        Assert.Equal(LinuxError.ENOMEM, UserCopy.ReadValue(in access, (UserConstPtr<long>)(Page(1) - 4)).Error);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.WriteValue(in access, (UserPtr<long>)(Page(1) - 4), 7L));
    }

    [Fact]
    public void Element_copies_count_bytes_and_zero_the_partial_tail()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        long[] kernel = Enumerable.Repeat(-1L, 4).ToArray();
        // 4 longs starting 13 bytes before the hole: 1 whole element and 5 bytes of the next.
        CopyResult r = UserCopy.CopyIn(in access, (UserConstPtr<long>)(Page(3) - 13), kernel.AsSpan());
        Assert.Equal(new CopyResult(13, LinuxError.EFAULT), r);
        Assert.Equal(BitConverter.ToInt64(Pattern(Page(3) - 13, 8)), kernel[0]);
        byte[] partial = [.. Pattern(Page(3) - 5, 5), 0, 0, 0];
        Assert.Equal(BitConverter.ToInt64(partial), kernel[1]);
        Assert.Equal(0, kernel[2]);
        Assert.Equal(0, kernel[3]);
    }

    [Fact]
    public void Single_value_copies_report_partial_counts()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        CopyResult r = UserCopy.CopyIn(in access, (UserConstPtr<ulong>)(Page(3) - 3), out ulong value);
        Assert.Equal(new CopyResult(3, LinuxError.EFAULT), r);
        Assert.Equal(BitConverter.ToUInt64([.. Pattern(Page(3) - 3, 3), 0, 0, 0, 0, 0]), value);

        r = UserCopy.CopyOut(in access, (UserPtr<ulong>)(Page(3) - 3), ulong.MaxValue);
        Assert.Equal(new CopyResult(3, LinuxError.EFAULT), r);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF }, space.Raw(Page(3) - 3, 3).ToArray());

        Assert.True(UserCopy.CopyIn(in access, (UserConstPtr<ulong>)(Base + 1), out value).IsOk);
        Assert.Equal(BitConverter.ToUInt64(Pattern(Base + 1, 8)), value);
    }

    [Fact]
    public void ReadValue_and_WriteValue_accept_misaligned_addresses_across_pages()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        UserPtr<long> p = (UserPtr<long>)(Page(1) - 3);
        Assert.Equal(LinuxError.None, UserCopy.WriteValue(in access, p, 0x0102030405060708L));
        Assert.Equal(0x0102030405060708L, UserCopy.ReadValue(in access, p).Value);
        Assert.Equal(0x0102030405060708L, BitConverter.ToInt64(space.Raw(Page(1) - 3, 8)));
    }

    [Fact]
    public void ReadValue_and_WriteValue_are_all_or_nothing()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        UserPtr<int> straddling = (UserPtr<int>)(Page(3) - 2);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ReadValue(in access, straddling).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.WriteValue(in access, straddling, -1));
        Assert.Equal(Pattern(Page(3) - 2, 2), space.Raw(Page(3) - 2, 2).ToArray());

        Assert.Equal(LinuxError.EFAULT, UserCopy.WriteValue(in access, (UserPtr<int>)Page(4), 1)); // read-only
        Assert.Equal(Pattern(Page(4), 4), space.Raw(Page(4), 4).ToArray());
        Assert.Equal(LinuxError.EFAULT, UserCopy.ReadValue(in access, UserConstPtr<int>.Null).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ReadValue(in access, (UserConstPtr<int>)(ulong.MaxValue - 1)).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.WriteValue(in access, (UserPtr<int>)(ulong.MaxValue - 1), 1));
    }

    [Fact]
    public void CopyInArray_rejects_overflowing_counts_and_partial_ranges()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        UserConstPtr<int> p = (UserConstPtr<int>)Base;
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyInArray(in access, p, (ulong.MaxValue / 4) + 1).Error); // count * 4 wraps
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyInArray(in access, p, ulong.MaxValue / 4).Error);       // leaves user space
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyInArray(in access, p, (3 * P / 4) + 1).Error);         // runs into the hole
        Assert.Empty(UserCopy.CopyInArray(in access, p, 0).Value);
        int[] all = UserCopy.CopyInArray(in access, p, 3 * P / 4).Value;
        Assert.Equal(3 * (int)P / 4, all.Length);
        Assert.Equal(BitConverter.ToInt32(Pattern(Base + 40, 4)), all[10]);
    }

    [Fact]
    public void ZeroOut_clears_up_to_the_first_bad_page()
    {
        using TestAddressSpace space = ThreeGoodPages();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new CopyResult(4100, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)(Page(2) - 4), 5 * P));
        Assert.All(space.Raw(Page(2) - 4, 4100).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(Pattern(Page(2) - 5, 1), space.Raw(Page(2) - 5, 1).ToArray());
        Assert.Equal(CopyResult.Completed(10), UserCopy.ZeroOut(in access, (UserPtr<byte>)(Base + 1), 10));
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)Page(4), 10));
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.ZeroOut(in access, (UserPtr<byte>)Base, ulong.MaxValue));
    }

    [Fact]
    public void Provider_overloads_open_and_close_their_own_scope()
    {
        using TestAddressSpace space = ThreeGoodPages();
        Assert.Equal(LinuxError.None, UserCopy.WriteValue(space, (UserPtr<int>)Base, 5));
        Assert.Equal(5, UserCopy.ReadValue(space, (UserConstPtr<int>)Base).Value);
        Assert.Equal(CopyResult.Completed(4), UserCopy.CopyOut(space, (UserPtr<int>)(Base + 4), (ReadOnlySpan<int>)[6]));
        int[] back = new int[2];
        Assert.Equal(CopyResult.Completed(8), UserCopy.CopyIn(space, (UserConstPtr<int>)Base, back.AsSpan()));
        Assert.Equal(new[] { 5, 6 }, back);
        Assert.Equal(new[] { 5, 6 }, UserCopy.CopyInArray(space, (UserConstPtr<int>)Base, 2).Value);
        Assert.Equal(CopyResult.Completed(8), UserCopy.ZeroOut(space, (UserPtr<byte>)Base, 8));
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Theory]
    [InlineData(10, LinuxError.None, 10L)]
    [InlineData(3, LinuxError.EFAULT, 3L)]
    [InlineData(0, LinuxError.EFAULT, -14L)]
    [InlineData(0, LinuxError.ENOMEM, -12L)]
    [InlineData(0, LinuxError.None, 0L)]
    public void ToTransferReturn_follows_read_and_write(int done, LinuxError error, long expected) =>
        Assert.Equal(expected, new CopyResult((nuint)done, error).ToTransferReturn());
}
