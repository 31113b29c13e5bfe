using System;
using System.Threading;
using UserMemory.Tests.Support;
using UserMemory.UnsafeAccess;

namespace UserMemory.Tests.Access;

/// <summary>
/// Scopes on a space that hands its <see cref="AccessScopeLock"/> to the core (<see cref="IUserAddressSpace.ScopeLock"/>):
/// the scope enters and leaves the lock inline, and every guarantee of the interface path holds there too: the lock
/// is held until the owner ends the scope (not a copy), writers wait for scopes, nesting and several locks at once work.
/// </summary>
public sealed class AccessScopeLockTests : IDisposable
{
    private const ulong Base = 0x10000;
    private const ulong Page = 4096;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly TestAddressSpace _inner;
    private readonly LockedSpace _space;

    public AccessScopeLockTests()
    {
        _inner = new TestAddressSpace(Base, 16 * Page);
        _inner.Map(Base, 4 * Page, MappingFlags.Read | MappingFlags.Write);
        _space = new LockedSpace(_inner);
    }

    public void Dispose() => _inner.Dispose();

    [Fact]
    public void A_scope_holds_the_lock_inline_until_it_ends()
    {
        using (UserAccess access = UserAccess.Begin(_space))
        {
            Assert.True(_space.Lock.IsReadHeldByCurrentThread);
            Assert.True(UserPtr<int>.FromAddress(Base).Get(in access).IsOk);
        }

        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
        Assert.Equal(0, _space.InterfaceEntries);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void A_writer_waits_for_an_open_scope_and_runs_once_it_ends()
    {
        using var entered = new ManualResetEventSlim();
        Thread writer;
        using (UserAccess access = UserAccess.Begin(_space))
        {
            writer = Started(() =>
            {
                _space.Lock.EnterWrite();
                entered.Set();
                _space.Lock.ExitWrite();
            });
            Assert.False(entered.Wait(Settle), "the writer got in while a scope was open");
            Assert.True(UserPtr<int>.FromAddress(Base).Get(in access).IsOk);
        }

        Assert.True(entered.Wait(Generous), "the writer never got in after the scope ended");
        Assert.True(writer.Join(Generous));
    }

    [Fact]
    public void Changing_the_space_from_inside_a_scope_on_it_throws_instead_of_waiting_for_itself()
    {
        using UserAccess access = UserAccess.Begin(_space);
        Assert.Throws<InvalidOperationException>(_space.Lock.EnterWrite);
    }

    [Fact]
    public void Disposing_a_copy_throws_and_keeps_the_lock_held_for_the_owner()
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
        Assert.True(_space.Lock.IsReadHeldByCurrentThread);
        span.Value[0] = 9;
        Assert.Equal(9, _inner.Raw(Base, 1)[0]);
        access.Dispose();
        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void A_copy_disposed_first_owns_a_never_borrowed_scope_and_the_original_is_refused()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserAccess copy = access; // nobody has used the scope by reference yet: the first to do so owns it
        copy.Dispose();
        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
        bool threw = false;
        try
        {
            access.Dispose();
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw, "the scope was already ended through the copy");
        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
        Assert.Equal(0, UserAccessContext.Depth);
    }

    [Fact]
    public void A_borrow_after_dispose_is_refused()
    {
        UserAccess access = UserAccess.Begin(_space);
        UserRef<int> r = UserPtr<int>.FromAddress(Base).Get(in access);
        Assert.True(r.IsOk);
        access.Dispose();
        bool threw = false;
        try
        {
            _ = r.Value;
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw, "a borrow must not outlive its scope");
        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
    }

    [Fact]
    public void Nested_scopes_and_explicit_entries_release_the_lock_only_at_the_outermost_exit()
    {
        using (UserAccess outer = UserAccess.Begin(_space))
        {
            _space.Lock.EnterRead();
            using (UserAccess inner = UserAccess.Begin(_space))
            {
                Assert.True(UserPtr<int>.FromAddress(Base).Get(in inner).IsOk);
            }

            _space.Lock.ExitRead();
            Assert.True(_space.Lock.IsReadHeldByCurrentThread);
            Assert.True(UserPtr<int>.FromAddress(Base).Get(in outer).IsOk);
        }

        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
        _space.Lock.EnterWrite(); // nothing left held: does not wait
        _space.Lock.ExitWrite();
    }

    [Fact]
    public void Scopes_on_two_spaces_at_once_hold_both_locks()
    {
        using var otherInner = new TestAddressSpace(Base, 16 * Page);
        otherInner.Map(Base, Page, MappingFlags.Read);
        var other = new LockedSpace(otherInner);
        using var entered = new ManualResetEventSlim();
        Thread writer;
        using (UserAccess first = UserAccess.Begin(_space))
        {
            using (UserAccess second = UserAccess.Begin(other))
            {
                Assert.True(_space.Lock.IsReadHeldByCurrentThread);
                Assert.True(other.Lock.IsReadHeldByCurrentThread);
                writer = Started(() =>
                {
                    other.Lock.EnterWrite();
                    entered.Set();
                    other.Lock.ExitWrite();
                });
                Assert.False(entered.Wait(Settle), "the writer got in while a scope on its space was open");
            }

            Assert.True(entered.Wait(Generous));
            Assert.False(other.Lock.IsReadHeldByCurrentThread);
            Assert.True(_space.Lock.IsReadHeldByCurrentThread);
        }

        Assert.True(writer.Join(Generous));
        Assert.False(_space.Lock.IsReadHeldByCurrentThread);
    }

    [Fact]
    public void Threads_that_come_and_go_leave_no_reader_behind()
    {
        for (int i = 0; i < 50; i++)
        {
            var thread = new Thread(() =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                Assert.True(UserPtr<int>.FromAddress(Base).Get(in access).IsOk);
            });
            thread.Start();
            thread.Join();
        }

        Thread done = Started(() =>
        {
            _space.Lock.EnterWrite();
            _space.Lock.ExitWrite();
        });
        Assert.True(done.Join(Generous));
    }

    [Fact]
    public void A_writer_waits_until_the_last_of_several_nested_holds_ends()
    {
        // The record keeps the lock and its depth in one word: a writer must see the lock held at every depth above 0.
        using var entered = new ManualResetEventSlim();
        AccessScopeLock scopeLock = _space.Lock;
        scopeLock.EnterRead();
        scopeLock.EnterRead();
        Thread writer;
        using (UserAccess access = UserAccess.Begin(_space))
        {
            writer = Started(() =>
            {
                scopeLock.EnterWrite();
                entered.Set();
                scopeLock.ExitWrite();
            });
            Assert.False(entered.Wait(Settle), "the writer got in at depth 3");
        }

        scopeLock.ExitRead();
        Assert.False(entered.Wait(Settle), "the writer got in at depth 1");
        Assert.True(scopeLock.IsReadHeldByCurrentThread);
        scopeLock.ExitRead();
        Assert.False(scopeLock.IsReadHeldByCurrentThread);
        Assert.True(entered.Wait(Generous), "the writer never got in after the last hold ended");
        Assert.True(writer.Join(Generous));
    }

    [Fact]
    public void A_nested_hold_on_one_lock_is_never_taken_for_a_hold_on_another()
    {
        // Two locks made one after the other have neighbouring numbers; a deep hold on the first must not read as a
        // hold on the second, nor let the second be left without having been entered.
        var first = new AccessScopeLock();
        var second = new AccessScopeLock();
        for (int i = 0; i < 3; i++)
        {
            first.EnterRead();
        }

        Assert.True(first.IsReadHeldByCurrentThread);
        Assert.False(second.IsReadHeldByCurrentThread);
        Assert.Throws<InvalidOperationException>(second.ExitRead);
        Thread writer = Started(() =>
        {
            second.EnterWrite(); // not held by anyone: must not wait
            second.ExitWrite();
        });
        Assert.True(writer.Join(Generous), "a writer of the other lock waited for this thread's holds on the first");

        second.EnterRead(); // through the slow path: the record already holds the first
        Assert.True(second.IsReadHeldByCurrentThread);
        for (int i = 0; i < 3; i++)
        {
            first.ExitRead(); // out of order with the second
        }

        Assert.False(first.IsReadHeldByCurrentThread);
        Assert.Throws<InvalidOperationException>(first.ExitRead);
        Assert.True(second.IsReadHeldByCurrentThread);
        second.ExitRead();
        Assert.False(second.IsReadHeldByCurrentThread);
        first.EnterWrite(); // nothing left held
        first.ExitWrite();
        second.EnterWrite();
        second.ExitWrite();
    }

    private static Thread Started(Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true };
        thread.Start();
        return thread;
    }
}
