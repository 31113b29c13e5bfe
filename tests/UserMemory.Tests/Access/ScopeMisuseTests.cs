using System;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Access;

/// <summary>
/// The holes an audit found in the scope (issue 15): a copy of a scope ending the original's protection, and borrows
/// that kept working after an explicit <c>Dispose()</c>. Each test failed on the code before the fix.
/// </summary>
public sealed class ScopeMisuseTests : IDisposable
{
    private const ulong Base = 0x10000;
    private const ulong Page = 4096;
    private readonly TestAddressSpace _inner;
    private readonly ScopeCountingSpace _space;

    public ScopeMisuseTests()
    {
        _inner = new TestAddressSpace(Base, 16 * Page);
        _inner.Map(Base, 4 * Page, MappingFlags.Read | MappingFlags.Write);
        _space = new ScopeCountingSpace(_inner);
    }

    public void Dispose() => _inner.Dispose();

    [Fact]
    public void DisposingACopyThrowsAndKeepsTheOriginalsProtection()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserSpan<byte> span = UserPtr<byte>.FromAddress(Base).GetAsSlice(in access, 16);
        Assert.True(span.IsOk);

        UserAccess copy = access;
        bool threw = false;
        try
        {
            copy.Dispose();
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw, "disposing a copy must fail loudly");
        Assert.Equal(1, _space.OpenScopes);                 // the shared side is still held
        Assert.Equal(1, UserAccessContext.Depth);
        Assert.True(access.IsActive);
        span.Value[0] = 7;                                   // the borrow is still protected and usable
        Assert.Equal(7, _inner.Raw(Base, 1)[0]);

        access.Dispose();
        Assert.Equal(0, _space.OpenScopes);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void ACopyMadeBeforeAnyBorrowCannotEndTheScopeTheOriginalBorrowsFrom()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserAccess copy = access;                            // nobody has used the scope by reference yet
        UserRef<long> r = UserPtr<long>.FromAddress(Base).Get(in access); // the original claims the scope
        Assert.True(r.IsOk);

        Assert.True(Throws(ref copy), "the copy must not end a scope the original owns");
        Assert.Equal(1, _space.OpenScopes);
        r.Value = 5;
        access.Dispose();
        Assert.Equal(0, _space.OpenScopes);
    }

    [Fact]
    public void WhenACopyEndsTheScopeFirstTheOriginalCanNoLongerBorrow()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserAccess copy = access;
        copy.Dispose();                                      // the copy used it first, so the copy owned it
        Assert.Equal(0, _space.OpenScopes);

        Assert.True(BorrowThrows(in access), "borrowing through an ended scope must throw, not read unprotected memory");
        Assert.True(Throws(ref access));
        Assert.Equal(0, _space.OpenScopes);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void BorrowingThroughACopyThrows()
    {
        UserAccess access = UserAccess.Begin(_space);
        Assert.True(UserPtr<long>.FromAddress(Base).Get(in access).IsOk);
        UserAccess copy = access;
        Assert.True(BorrowThrows(in copy));
        access.Dispose();
    }

    [Fact]
    public void BorrowsRefuseToHandOutMemoryAfterAnExplicitDispose()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserPtr<long> word = UserPtr<long>.FromAddress(Base);
        UserRef<long> r = word.Get(in access);
        UserSpan<byte> s = UserPtr<byte>.FromAddress(Base).GetAsSlice(in access, 8);
        UserReadOnlySpan<byte> ro = UserConstPtr<byte>.FromAddress(Base).GetAsSlice(in access, 8);
        UserReadOnlyRef<long> rr = UserConstPtr<long>.FromAddress(Base).Get(in access);
        UserAccessWindow w = UserAccessWindow.Open(in access, Base, 64, MappingFlags.Read | MappingFlags.Write);
        Assert.True(r.IsOk && s.IsOk && ro.IsOk && rr.IsOk && w.IsOk);

        access.Dispose();
        Assert.False(access.IsActive);
        Assert.Equal(0, UserAccessContext.Depth);
        Assert.Equal(0, _space.OpenScopes);

        Assert.True(RefThrows(r));
        Assert.True(SpanThrows(s));
        Assert.True(ReadOnlySpanThrows(ro));
        Assert.True(ReadOnlyRefThrows(rr));
        Assert.True(WindowThrows(w));
        Assert.True(BorrowThrows(in access));
    }

    [Fact]
    public void AnExplicitDisposeOfAUsingScopeEndsItOnceAndTheUsingEndIsANoOp()
    {
        RunUsing(_space);
        Assert.Equal(0, _space.OpenScopes);
        Assert.Equal(0, UserAccessContext.Depth);

        static void RunUsing(ScopeCountingSpace space)
        {
            using UserAccess access = UserAccess.Begin(space);
            Assert.True(UserPtr<long>.FromAddress(Base).Get(in access).IsOk);
            access.Dispose();
            Assert.False(access.IsActive);
            Assert.Equal(0, space.OpenScopes);
        }
    }

    [Fact]
    public void ADefaultViewIsNotTiedToAnyScope()
    {
        Assert.True(default(UserSpan<byte>).Value.IsEmpty);
        Assert.True(default(UserReadOnlySpan<byte>).Value.IsEmpty);
    }

    [Fact]
    public void NestedScopesEachKeepTheirOwner()
    {
        UserAccess outer = UserAccess.Begin(_space);
        Assert.True(UserPtr<long>.FromAddress(Base).Get(in outer).IsOk);
        for (int i = 0; i < 40; i++) // deeper than the initial claim table
        {
            Nest(_space, i);
        }

        Assert.Equal(1, _space.OpenScopes);
        outer.Dispose();
        Assert.Equal(0, _space.OpenScopes);

        static void Nest(ScopeCountingSpace space, int depth)
        {
            using UserAccess inner = UserAccess.Begin(space);
            Assert.True(UserPtr<long>.FromAddress(Base + (ulong)(depth % 8 * 8)).Get(in inner).IsOk);
            if (depth % 10 == 0)
            {
                Nest(space, depth + 1);
            }
        }
    }

    private static bool Throws(ref UserAccess access)
    {
        try
        {
            access.Dispose();
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool BorrowThrows(ref readonly UserAccess access)
    {
        try
        {
            _ = UserPtr<long>.FromAddress(Base).Get(in access);
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool RefThrows(UserRef<long> r)
    {
        try
        {
            _ = r.Value;
            return false;
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            _ = r.GetValueUnchecked();
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool ReadOnlyRefThrows(UserReadOnlyRef<long> r)
    {
        try
        {
            _ = r.Value;
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool SpanThrows(UserSpan<byte> s)
    {
        try
        {
            s.Value.Clear();
            return false;
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            _ = s.TryGetValue(out _);
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool ReadOnlySpanThrows(UserReadOnlySpan<byte> s)
    {
        try
        {
            _ = s.Value.Length;
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static bool WindowThrows(UserAccessWindow w)
    {
        try
        {
            _ = w.Read<long>(0);
            return false;
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            _ = w.Slice<byte>(0, 8);
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
