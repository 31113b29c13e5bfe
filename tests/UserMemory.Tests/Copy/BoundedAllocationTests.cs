using System;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Copy;

/// <summary>
/// A guest-chosen count must not size an allocation before the range is validated, and every guest-sized allocation
/// is capped (issue 15: <c>CopyInArray</c> allocated <c>count * sizeof(T)</c> first, then answered EFAULT).
/// </summary>
public sealed class BoundedAllocationTests : IDisposable
{
    private const ulong Base = 0x10000;
    private const ulong Page = 4096;
    private const long SmallAllocation = 1 << 20;
    private readonly TestAddressSpace _space;

    public BoundedAllocationTests()
    {
        ulong size = (ulong)UserCopy.MaxArrayCopyBytes + (4 * Page);
        _space = new TestAddressSpace(Base, size * 8);
        _space.Map(Base, size, MappingFlags.Read | MappingFlags.Write, populate: false);
    }

    public void Dispose() => _space.Dispose();

    [Fact]
    public void AHugeCountOverUnmappedMemoryIsEfaultWithoutAllocating()
    {
        using UserAccess access = UserAccess.Begin(_space);
        ulong unmapped = Base + (ulong)UserCopy.MaxArrayCopyBytes + (8 * Page);
        long before = GC.GetAllocatedBytesForCurrentThread();
        UserResult<long[]> r = UserCopy.CopyInArray(in access, UserConstPtr<long>.FromAddress(unmapped), (256UL << 20) / sizeof(long));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(LinuxError.EFAULT, r.Error);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes before failing");
    }

    [Fact]
    public void ARangeThatStartsMappedButRunsIntoAHoleIsEfaultWithoutAllocating()
    {
        using UserAccess access = UserAccess.Begin(_space);
        long before = GC.GetAllocatedBytesForCurrentThread();
        UserResult<byte[]> r = UserCopy.CopyInArray(in access, UserConstPtr<byte>.FromAddress(Base), (ulong)UserCopy.MaxArrayCopyBytes * 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(LinuxError.EFAULT, r.Error);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes before failing");
    }

    [Fact]
    public void AReadableRangeAboveTheCapIsEnomemWithoutAllocating()
    {
        using UserAccess access = UserAccess.Begin(_space);
        long before = GC.GetAllocatedBytesForCurrentThread();
        UserResult<byte[]> r = UserCopy.CopyInArray(in access, UserConstPtr<byte>.FromAddress(Base), (ulong)UserCopy.MaxArrayCopyBytes + 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(LinuxError.ENOMEM, r.Error);
        Assert.True(allocated < SmallAllocation, $"allocated {allocated} bytes before failing");
    }

    [Fact]
    public void AReadableRangeAtTheCapIsCopied()
    {
        using UserAccess access = UserAccess.Begin(_space);
        _space.Raw(Base + 5, 1)[0] = 9;
        UserResult<byte[]> r = UserCopy.CopyInArray(in access, UserConstPtr<byte>.FromAddress(Base), (ulong)UserCopy.MaxArrayCopyBytes);
        Assert.True(r.IsOk);
        Assert.Equal(UserCopy.MaxArrayCopyBytes, r.Value.Length);
        Assert.Equal(9, r.Value[5]);
    }

    [Fact]
    public void AStringCopyFromANonUserAddressFailsBeforeRentingItsBuffer()
    {
        using UserAccess access = UserAccess.Begin(_space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringFromUser(in access, UserConstPtr<byte>.FromAddress(0), 1 << 20).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringFromUser(in access, UserConstPtr<byte>.FromAddress(ulong.MaxValue), 1 << 20).Error);
    }
}
