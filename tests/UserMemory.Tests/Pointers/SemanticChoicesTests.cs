using System;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Pointers;

/// <summary>The decision in <c>docs/articles/semantics-choices.md</c> §2: zero length at address 0 is EFAULT for the
/// borrowing API (axptr) and a successful empty copy for the copy API (Linux's <c>read(fd, NULL, 0) == 0</c>).</summary>
public class SemanticChoicesTests
{
    [Fact]
    public void BorrowingZeroElementsAtNullIsEfault()
    {
        using TestAddressSpace space = Create();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.Null.GetAsSlice(in access, 0).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.Null.GetAsSlice(in access, 0).Error);
    }

    [Fact]
    public void BorrowingZeroElementsAtAnUnmappedUserAddressIsAnEmptySpan()
    {
        using TestAddressSpace space = Create();
        using UserAccess access = UserAccess.Begin(space);
        UserSpan<byte> s = UserPtr<byte>.FromAddress(Page(3)).GetAsSlice(in access, 0);
        Assert.True(s.IsOk);
        Assert.True(s.Value.IsEmpty);
        Assert.True(UserPtr<byte>.FromAddress(End).GetAsSlice(in access, 0).IsOk);
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(End + 1).GetAsSlice(in access, 0).Error);
    }

    [Fact]
    public void CopyingZeroBytesAtNullSucceedsAsLinuxReadDoes()
    {
        using TestAddressSpace space = Create();
        using UserAccess access = UserAccess.Begin(space);
        CopyResult r = UserCopy.CopyOut(in access, UserPtr<byte>.Null, ReadOnlySpan<byte>.Empty);
        Assert.True(r.IsOk);
        Assert.Equal((nuint)0, r.BytesDone);
        Assert.True(UserCopy.CopyIn(in access, UserConstPtr<byte>.Null, Span<byte>.Empty).IsOk);
        Assert.True(UserCopy.ZeroOut(in access, UserPtr<byte>.Null, 0).IsOk);
    }
}
