using System;
using System.Linq;
using System.Threading;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Faults;

public class CaptureFaultsTests
{
    [Fact]
    public void Present_pages_copy_without_populate_or_fault_calls()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), 2 * P, RW);
        FillPattern(space, Page(0), (int)(2 * P));
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = new byte[5000];
        CaptureFaultsResult r = UserCopy.CopyInCaptureFaults(in access, (UserConstPtr<byte>)(Base + 7), kernel);
        Assert.True(r.IsOk);
        Assert.Equal((nuint)5000, r.BytesDone);
        Assert.Equal(Pattern(Base + 7, 5000), kernel);
        Assert.True(UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)(Base + 3), kernel).IsOk);
        Assert.Equal(kernel, space.Raw(Base + 3, 5000).ToArray());
        Assert.Equal((0, 0), (space.PopulateCalls, space.FaultCalls));
    }

    [Fact]
    public void A_lazy_page_is_reported_not_populated()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), P, RW);
        space.Map(Page(1), P, RW, populate: false);
        FillPattern(space, Page(0), (int)P);
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Enumerable.Repeat((byte)0xCC, 100).ToArray();
        CaptureFaultsResult r = UserCopy.CopyInCaptureFaults(in access, (UserConstPtr<byte>)(Page(1) - 40), kernel);
        Assert.Equal((nuint)40, r.BytesDone);
        Assert.Equal(LinuxError.EFAULT, r.Error);
        Assert.True(r.HasFault);
        Assert.Equal(new VirtAddr(Page(1)), r.FaultAddress);
        Assert.Equal(MappingFlags.Read, r.FaultAccess);
        Assert.Equal(new CopyResult(40, LinuxError.EFAULT), r.ToCopyResult());
        Assert.All(kernel[40..], b => Assert.Equal(0, b));

        CaptureFaultsResult w = UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)(Page(1) - 1), kernel);
        Assert.Equal(((nuint)1, true, new VirtAddr(Page(1)), MappingFlags.Write), (w.BytesDone, w.HasFault, w.FaultAddress, w.FaultAccess));
        Assert.Equal((0, 0, 1), (space.PopulateCalls, space.FaultCalls, space.PopulatedPages));
    }

    [Fact]
    public void Ranges_outside_user_space_fail_without_a_fault_to_resolve()
    {
        using TestAddressSpace space = Create();
        using UserAccess access = UserAccess.Begin(space);
        CaptureFaultsResult r = UserCopy.CopyInCaptureFaults(in access, (UserConstPtr<byte>)(ulong.MaxValue - 1), new byte[4]);
        Assert.Equal((LinuxError.EFAULT, false, (nuint)0), (r.Error, r.HasFault, r.BytesDone));
        Assert.False(UserCopy.CopyOutCaptureFaults(in access, UserPtr<byte>.Null, new byte[4]).HasFault);
        Assert.True(UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)End, ReadOnlySpan<byte>.Empty).IsOk);
    }

    /// <summary>The caller's pattern: copy under its own lock, and on a captured fault drop the lock, resolve the fault,
    /// and retry from where the copy stopped.</summary>
    private static (CopyResult Result, int Attempts) CopyOutWithRetry(TestAddressSpace space, Lock callerLock, ulong destination, byte[] data)
    {
        nuint done = 0;
        for (int attempts = 1; ; attempts++)
        {
            CaptureFaultsResult r;
            lock (callerLock)
            {
                using UserAccess access = UserAccess.Begin(space);
                r = UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)(destination + done), data.AsSpan((int)done));
            }

            done += r.BytesDone;
            if (r.IsOk || !r.HasFault)
            {
                return (new CopyResult(done, r.Error), attempts);
            }

            // Outside the caller's lock now.
            Assert.False(callerLock.IsHeldByCurrentThread);
            if (UserCopy.ResolveFault(space, r.FaultAddress, r.FaultAccess) != LinuxError.None)
            {
                return (new CopyResult(done, LinuxError.EFAULT), attempts);
            }
        }
    }

    [Fact]
    public void Retry_loop_populates_lazy_pages_one_by_one_until_the_copy_completes()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), 4 * P, RW, populate: false);
        byte[] data = Enumerable.Range(0, (int)(4 * P) - 100).Select(i => (byte)(i * 7)).ToArray();
        (CopyResult result, int attempts) = CopyOutWithRetry(space, new Lock(), Base + 50, data);
        Assert.Equal(CopyResult.Completed((nuint)data.Length), result);
        Assert.Equal(5, attempts);            // one fault per page, then the final pass
        Assert.Equal(4, space.FaultCalls);
        Assert.Equal(0, space.PopulateCalls); // the copy itself never populated
        Assert.Equal(data, space.Raw(Base + 50, data.Length).ToArray());
    }

    [Fact]
    public void Retry_loop_ends_with_EFAULT_at_a_truly_unmapped_page()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), 2 * P, RW, populate: false);
        space.Map(Page(3), P, RW, populate: false);
        byte[] data = new byte[4 * P];
        (CopyResult result, int attempts) = CopyOutWithRetry(space, new Lock(), Base, data);
        Assert.Equal(new CopyResult((nuint)(2 * P), LinuxError.EFAULT), result);
        Assert.Equal(3, attempts);
        Assert.Equal(3, space.FaultCalls); // two resolved, the third refused
    }

    [Fact]
    public void A_read_only_page_is_a_fault_the_handler_refuses_for_writes()
    {
        using TestAddressSpace space = Create();
        space.Map(Page(0), P, R);
        using (UserAccess access = UserAccess.Begin(space))
        {
            CaptureFaultsResult r = UserCopy.CopyOutCaptureFaults(in access, (UserPtr<byte>)Base, new byte[1]);
            Assert.True(r.HasFault);
            Assert.Equal(LinuxError.EFAULT, UserCopy.ResolveFault(space, r.FaultAddress, r.FaultAccess));
            Assert.True(UserCopy.CopyInCaptureFaults(in access, (UserConstPtr<byte>)Base, new byte[1]).IsOk);
        }

        Assert.Equal(0, UserAccessContext.Depth);
    }
}
