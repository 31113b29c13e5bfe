using System;
using System.Linq;
using System.Runtime.InteropServices;
using UserMemory.Tests.Copy;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Vectors;

public class IoVectorTests
{
    // Pages 0..5 read-write, 6 unmapped, 7 read-only, 8..11 read-write (iovec arrays live there).
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 6 * P, RW);
        space.Map(Page(7), P, R);
        space.Map(Page(8), 4 * P, RW);
        return space;
    }

    private static UserConstPtr<IoVec> WriteVectors(TestAddressSpace space, ulong at, params IoVec[] vectors)
    {
        MemoryMarshal.AsBytes(vectors.AsSpan()).CopyTo(space.Raw(at, vectors.Length * IoVec.Size));
        return (UserConstPtr<IoVec>)at;
    }

    [Fact]
    public void IoVec_has_the_linux_layout() => Assert.Equal(16, Marshal.SizeOf<IoVec>());

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(1025L)]
    [InlineData(long.MaxValue)]
    public void Bad_counts_are_EINVAL_before_reading_anything(long count)
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.Null, count).Error);
        Assert.Equal(0, space.PopulateCalls);
    }

    [Fact]
    public void Zero_count_needs_no_array()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Empty(UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.Null, 0).Value);
    }

    [Fact]
    public void Iov_max_elements_are_accepted()
    {
        using TestAddressSpace space = Layout();
        IoVec[] many = Enumerable.Range(0, 1024).Select(i => new IoVec(Base + (ulong)i, 1)).ToArray();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), many);
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(many, UserCopy.ImportIoVectors(in access, p, 1024).Value);
    }

    [Fact]
    public void An_unreadable_array_is_EFAULT()
    {
        using TestAddressSpace space = Layout();
        WriteVectors(space, Page(6) - 16, new IoVec(Base, 1));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.Null, 1).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)(Page(6) - 16), 2).Error); // second element in the hole
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)(Page(6) - 8), 1).Error);  // straddles the hole
        Assert.Single(UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)(Page(6) - 16), 1).Value);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, (UserConstPtr<IoVec>)(ulong.MaxValue - 15), 1).Error);
    }

    [Fact]
    public void Elements_are_validated_in_order_and_empty_ones_dropped()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8),
            new IoVec(Base, 10), new IoVec(0, 0), new IoVec(Page(6), 5), new IoVec(Base + 100, 0), new IoVec(Page(1), 20));
        using UserAccess access = UserAccess.Begin(space);
        Span<IoVec> storage = stackalloc IoVec[8];
        Assert.Equal(LinuxError.None, UserCopy.ImportIoVectors(in access, p, 5, storage, out int imported, out ulong total));
        Assert.Equal(3, imported);
        Assert.Equal(35UL, total);
        // Unmapped but in user space: accepted here (access_ok only); the copy finds the hole later.
        Assert.Equal(new[] { new IoVec(Base, 10), new IoVec(Page(6), 5), new IoVec(Page(1), 20) }, storage[..3].ToArray());
    }

    [Theory]
    [InlineData(0x8000_0000_0000_0000UL, LinuxError.EINVAL)] // negative as ssize_t
    [InlineData(ulong.MaxValue, LinuxError.EINVAL)]
    [InlineData(0x10000UL, LinuxError.EFAULT)]                // runs past the end of user space
    public void Bad_lengths(ulong length, LinuxError expected)
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), new IoVec(Base, 1), new IoVec(Base + 1, length));
        using UserAccess access = UserAccess.Begin(space);
        Span<IoVec> storage = stackalloc IoVec[2];
        Assert.Equal(expected, UserCopy.ImportIoVectors(in access, p, 2, storage, out int imported, out ulong total));
        Assert.Equal((0, 0UL), (imported, total));
    }

    [Theory]
    [InlineData(ulong.MaxValue - 3, 10UL)]    // base + length wraps
    [InlineData(End + 4096, 0UL)]             // zero length, but not a user address
    public void Buffers_outside_user_space_are_EFAULT(ulong baseAddress, ulong length)
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), new IoVec(baseAddress, length));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, p, 1).Error);
    }

    [Fact]
    public void Null_buffers_pass_import_like_linux_access_ok_and_fault_in_the_copy()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), new IoVec(0, 0), new IoVec(0, 8));
        using UserAccess access = UserAccess.Begin(space);
        IoVec[] imported = UserCopy.ImportIoVectors(in access, p, 2).Value;
        Assert.Equal(new[] { new IoVec(0, 8) }, imported);
        Assert.Equal(new CopyResult(0, LinuxError.EFAULT), UserCopy.CopyOutVector(in access, imported, "12345678"u8));
    }

    [Fact]
    public void A_total_above_ssize_max_is_EINVAL()
    {
        using var space = new WideAddressSpace(Layout());
        UserConstPtr<IoVec> p = WriteVectors(space.Inner, Page(8),
            new IoVec(Base, long.MaxValue / 2), new IoVec(Base, long.MaxValue / 2), new IoVec(Base, 2));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(long.MaxValue - 1, (long)UserCopy.ImportIoVectors(in access, p, 2).Value.Sum(v => (decimal)v.Length));
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, p, 3).Error);
    }

    [Fact]
    public void Too_small_storage_is_a_programming_error()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), new IoVec(Base, 1), new IoVec(Base, 1));
        Assert.Throws<ArgumentException>(() =>
        {
            using UserAccess access = UserAccess.Begin(space);
            UserCopy.ImportIoVectors(in access, p, 2, new IoVec[1], out _, out _);
        });
    }

    [Fact]
    public void Scatter_fills_buffers_in_order_and_skips_empty_ones()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        IoVec[] vectors = [new(Base + 5, 3), new(Base + 100, 0), new(Page(1) - 2, 6), new(Page(3), 100)];
        byte[] data = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
        Assert.Equal(CopyResult.Completed(12), UserCopy.CopyOutVector(in access, vectors, data));
        Assert.Equal(data[..3], space.Raw(Base + 5, 3).ToArray());
        Assert.Equal(data[3..9], space.Raw(Page(1) - 2, 6).ToArray());
        Assert.Equal(data[9..], space.Raw(Page(3), 3).ToArray());
        Assert.Equal(0, space.Raw(Page(3) + 3, 1)[0]);

        // Buffers shorter than the data: complete for what fits.
        Assert.Equal(CopyResult.Completed(9), UserCopy.CopyOutVector(in access, vectors.AsSpan(0, 3), data));
        // Continue 4 bytes into the sequence.
        Assert.Equal(CopyResult.Completed(5), UserCopy.CopyOutVector(in access, vectors.AsSpan(0, 3), data, vectorOffset: 4));
        Assert.Equal(data[..5], space.Raw(Page(1) - 1, 5).ToArray());
        Assert.Equal(CopyResult.Completed(0), UserCopy.CopyOutVector(in access, vectors.AsSpan(0, 3), data, vectorOffset: 9));
    }

    [Fact]
    public void Scatter_stops_at_the_first_fault_with_the_count_done()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        IoVec[] vectors = [new(Base, 4), new(Page(6) - 3, 10), new(Base + 50, 10)];
        byte[] data = Enumerable.Repeat((byte)0xAB, 24).ToArray();
        CopyResult r = UserCopy.CopyOutVector(in access, vectors, data);
        Assert.Equal(new CopyResult(7, LinuxError.EFAULT), r);
        Assert.Equal(7L, r.ToTransferReturn());
        Assert.Equal(0, space.Raw(Base + 50, 1)[0]); // nothing after the fault

        IoVec[] readOnlyFirst = [new(Page(7), 4)];
        Assert.Equal(-14L, UserCopy.CopyOutVector(in access, readOnlyFirst, data).ToTransferReturn());
    }

    [Fact]
    public void Gather_reads_buffers_in_order_and_clears_the_rest()
    {
        using TestAddressSpace space = Layout();
        FillPattern(space, Base, (int)(6 * P));
        using UserAccess access = UserAccess.Begin(space);
        IoVec[] vectors = [new(Base + 1, 2), new(Base + 9, 0), new(Page(2) - 1, 3), new(Page(6) - 2, 5)];
        byte[] kernel = Enumerable.Repeat((byte)0xCC, 20).ToArray();
        CopyResult r = UserCopy.CopyInVector(in access, vectors, kernel);
        Assert.Equal(new CopyResult(7, LinuxError.EFAULT), r);
        Assert.Equal([.. Pattern(Base + 1, 2), .. Pattern(Page(2) - 1, 3), .. Pattern(Page(6) - 2, 2)], kernel[..7]);
        Assert.All(kernel[7..], b => Assert.Equal(0, b));

        kernel = Enumerable.Repeat((byte)0xCC, 20).ToArray();
        Assert.Equal(CopyResult.Completed(5), UserCopy.CopyInVector(in access, vectors.AsSpan(0, 3), kernel));
        Assert.All(kernel[5..], b => Assert.Equal(0, b));
        Assert.Equal(CopyResult.Completed(2), UserCopy.CopyInVector(in access, vectors.AsSpan(0, 3), kernel, vectorOffset: 3));
        Assert.Equal(Pattern(Page(2), 2), kernel[..2]);
    }

    [Fact]
    public void Readv_flow_imports_then_scatters()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<IoVec> p = WriteVectors(space, Page(8), new IoVec(Base, 3), new IoVec(Base + 10, 0), new IoVec(Base + 20, 4));
        IoVec[] imported = UserCopy.ImportIoVectors(space, p, 3).Value;
        Assert.Equal(CopyResult.Completed(7), UserCopy.CopyOutVector(space, imported, "abcdefg"u8));
        byte[] back = new byte[7];
        Assert.Equal(CopyResult.Completed(7), UserCopy.CopyInVector(space, imported, back));
        Assert.Equal("abcdefg"u8.ToArray(), back);
        Assert.Equal(0, UserAccessContext.Depth);
    }
}
