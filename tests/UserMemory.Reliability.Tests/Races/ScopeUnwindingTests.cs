using System;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Reliability.Tests.Support;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// Part 2: the access context nests and unwinds under exceptions. Many threads throw from inside nested scopes (on
/// two spaces, mixing <see cref="UserAccess"/> and bare <see cref="UserAccessContext"/> scopes) while a mapper keeps
/// mapping and unmapping; afterwards every thread is back at depth 0, kernel-mode faults outside a scope are oopses
/// again, and unmap on both spaces is not blocked by a leaked shared lock.
/// </summary>
public sealed class ScopeUnwindingTests
{
    private const ulong Base = 0x200000;
    private const ulong Size = 0x10000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void ExceptionsThroughNestedScopesUnwindEveryLevelOnEveryThread()
    {
        using AddrSpace first = AddrSpace.Create(Base, Size);
        using AddrSpace second = AddrSpace.Create(Base, Size);
        Assert.Equal(LinuxError.None, first.MapAlloc(Base, 0x4000, MappingFlags.Read | MappingFlags.Write, populate: false));
        Assert.Equal(LinuxError.None, second.MapAlloc(Base, 0x4000, MappingFlags.Read | MappingFlags.Write, populate: false));
        IUserAddressSpace[] spaces = [first, second];
        int throwsCaught = 0;
        int running = 4;
        int mapperSteps = 0;
        string? failure = null;

        Action Thrower(int id) => () =>
        {
            var random = new Random(id);
            for (int i = 0; i < 3000; i++)
            {
                try
                {
                    Nest(spaces, random, 1 + random.Next(6));
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref throwsCaught);
                }
                catch (UserMemoryException)
                {
                    Interlocked.Increment(ref throwsCaught);
                }

                if (UserAccessContext.Depth != 0)
                {
                    failure ??= $"thread {id}: depth {UserAccessContext.Depth} after an exception unwound every scope";
                    break;
                }
            }

            Interlocked.Decrement(ref running);
        };

        Action mapper = () =>
        {
            // Keeps taking the exclusive side while the throwers run: a leaked shared lock would block it forever.
            var random = new Random(99);
            while (Volatile.Read(ref running) > 0)
            {
                AddrSpace space = random.Next(2) == 0 ? first : second;
                ulong page = Base + 0x4000 + ((ulong)random.Next(8) * Pages.Size4K);
                _ = space.Unmap(page, Pages.Size4K);
                _ = space.MapAlloc(page, Pages.Size4K, MappingFlags.Read, populate: random.Next(2) == 0);
                Interlocked.Increment(ref mapperSteps);
            }
        };

        var problems = Watchdog.RunAll(Limit, mapper, Thrower(1), Thrower(2), Thrower(3), Thrower(4));
        Assert.Empty(problems);
        Assert.Null(failure);
        Assert.Equal(4 * 3000, throwsCaught);
        Assert.True(mapperSteps > 0);

        // Nothing leaked: the exclusive side is free on both spaces, and this thread is outside every scope.
        var finalProblems = Watchdog.RunAll(TimeSpan.FromSeconds(10), () =>
        {
            Assert.Equal(LinuxError.None, first.Unmap(Base, Size));
            Assert.Equal(LinuxError.None, second.Unmap(Base, Size));
        });
        Assert.Empty(finalProblems);
        Assert.Equal(0, UserAccessContext.Depth);
        Assert.Throws<KernelOopsException>(() => first.HandlePageFault(Base, MappingFlags.Read));
    }

    /// <summary>Opens <paramref name="levels"/> nested scopes of random kinds, touches memory at the bottom (a
    /// kernel-mode fault, a borrow, a copy), checks the depth, then throws.</summary>
    private static void Nest(IUserAddressSpace[] spaces, Random random, int levels)
    {
        int depthBefore = UserAccessContext.Depth;
        IUserAddressSpace space = spaces[random.Next(spaces.Length)];
        if (random.Next(3) == 0)
        {
            using UserAccessContext.Scope bare = UserAccessContext.Enter();
            Bottom(spaces, space, random, levels, depthBefore);
        }
        else
        {
            using UserAccess access = UserAccess.Begin(space);
            ulong address = Base + ((ulong)random.Next(0x4000 / 8) * 8);
            UserRef<ulong> word = ((UserPtr<ulong>)address).Get(in access);
            word.Value++;
            Bottom(spaces, space, random, levels, depthBefore);
        }
    }

    private static void Bottom(IUserAddressSpace[] spaces, IUserAddressSpace space, Random random, int levels, int depthBefore)
    {
        if (UserAccessContext.Depth != depthBefore + 1)
        {
            throw new InvalidProgramException($"depth {UserAccessContext.Depth}, expected {depthBefore + 1}");
        }

        if (levels > 1)
        {
            Nest(spaces, random, levels - 1);
            return;
        }

        // Legal inside a scope: a kernel-mode fault on a lazy page is resolved, not an oops.
        _ = space.HandlePageFault(Base + ((ulong)random.Next(4) * Pages.Size4K), MappingFlags.Read);
        if (random.Next(2) == 0)
        {
            throw new InvalidOperationException("thrown from inside nested scopes");
        }

        // The library's own exception: Value of a failed borrow (a null pointer).
        using UserAccess access = UserAccess.Begin(space);
        _ = ((UserConstPtr<ulong>)0UL).Get(in access).Value;
    }
}
