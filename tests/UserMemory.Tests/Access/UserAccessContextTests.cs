using System;
using System.Threading;
using System.Threading.Tasks;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Access;

public class UserAccessContextTests
{
    [Fact]
    public void ScopesNestAndRestoreTheOuterDepth()
    {
        Assert.False(UserAccessContext.IsAccessingUserMemory);
        using (UserAccessContext.Enter())
        {
            Assert.Equal(1, UserAccessContext.Depth);
            using (UserAccessContext.Enter())
            {
                Assert.Equal(2, UserAccessContext.Depth);
            }

            // The inner scope ending must not clear the outer one (a bool flag would).
            Assert.True(UserAccessContext.IsAccessingUserMemory);
        }

        Assert.False(UserAccessContext.IsAccessingUserMemory);
    }

    [Fact]
    public void AnExceptionUnwindingThroughScopesRestoresTheDepth()
    {
        static void Throwing()
        {
            using UserAccessContext.Scope outer = UserAccessContext.Enter();
            using UserAccessContext.Scope inner = UserAccessContext.Enter();
            throw new InvalidOperationException("boom");
        }

        Assert.Throws<InvalidOperationException>(Throwing);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void TheContextIsPerThread()
    {
        using UserAccessContext.Scope scope = UserAccessContext.Enter();
        bool otherThreadSaw = true;
        var t = new Thread(() => otherThreadSaw = UserAccessContext.IsAccessingUserMemory);
        t.Start();
        t.Join();
        Assert.False(otherThreadSaw);
        Assert.True(UserAccessContext.IsAccessingUserMemory);
    }

    [Fact]
    public void UserAccessEntersTheContextAndTheSharedSide()
    {
        using var space = new TestAddressSpace(0x10000, 0x4000);
        var access = UserAccess.Begin(space);
        Assert.True(access.IsActive);
        Assert.True(UserAccessContext.IsAccessingUserMemory);
        Assert.Same(space, access.AddressSpace);
        access.Dispose();
        access.Dispose(); // idempotent
        Assert.False(access.IsActive);
        Assert.False(UserAccessContext.IsAccessingUserMemory);
        bool threw = false;
        try
        {
            _ = access.AddressSpace;
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw);
    }

    [Fact]
    public void AKernelModeFaultOutsideTheContextIsAnOops()
    {
        using var space = new TestAddressSpace(0x10000, 0x4000);
        space.Map(0x10000, 0x1000, MappingFlags.Read, populate: false);
        KernelOopsException oops = Assert.Throws<KernelOopsException>(() => space.HandlePageFault(0x10008, MappingFlags.Read));
        Assert.Equal(0x10008UL, oops.Address.Value);

        // Inside the context the same fault is legal and resolves the lazy page; a user-mode fault is always legal.
        using (UserAccessContext.Enter())
        {
            Assert.True(space.HandlePageFault(0x10008, MappingFlags.Read));
            Assert.False(space.HandlePageFault(0x10008, MappingFlags.Write));
        }

        Assert.False(space.HandlePageFault(0x13000, MappingFlags.Read | MappingFlags.User));
    }

    [Fact]
    public async Task AnOpenScopeHoldsOffUnmapUntilItEnds()
    {
        using var space = new TestAddressSpace(0x10000, 0x4000);
        space.Map(0x10000, 0x1000, MappingFlags.Read | MappingFlags.Write);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        void Borrow()
        {
            using var access = UserAccess.Begin(space);
            UserSpan<byte> span = UserPtr<byte>.FromAddress(0x10000).GetAsSlice(in access, 16);
            entered.Set();
            release.Wait();
            span.Value.Fill(0xAB); // the mapping is still there: unmap waits for this scope
        }

        Task reader = Task.Run(Borrow);
        entered.Wait();
        Task unmapper = Task.Run(() => space.Unmap(0x10000, 0x1000));
        await Task.Delay(100);
        Assert.False(unmapper.IsCompleted);
        release.Set();
        await Task.WhenAll(reader, unmapper).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, space.Raw(0x10000, 16)[0]); // unmap dropped the contents after the scope ended
    }
}
