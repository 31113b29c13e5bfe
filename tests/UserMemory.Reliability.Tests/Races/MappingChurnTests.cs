using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using UserMemory.AddressSpace;
using UserMemory.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// Part 2: workers borrow, copy, write and scan while a mapper maps, unmaps, protects and remaps the same ranges.
/// No host crash (the process survives), no write into a replaced mapping, no scope seeing two generations, no
/// deadlock, and the whole run ends within a time bound. <c>USERMEMORY_CHURN_SECONDS</c> sets the work time
/// (default 3 s per run).
/// </summary>
public sealed class MappingChurnTests
{
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("USERMEMORY_CHURN_SECONDS"), out int seconds) && seconds > 0 ? seconds : 3);

    private static readonly TimeSpan Limit = Work + TimeSpan.FromSeconds(60);
    private readonly ITestOutputHelper _output;

    /// <summary>Receives the xunit output.</summary>
    public MappingChurnTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void WorkersNeverSeeAnotherGenerationAndWritesNeverLandInANewMapping(bool guestView, int seed)
    {
        using var world = new ChurnWorld(new AddrSpaceOptions { GuestView = guestView });
        (long workerOps, long mapperSteps, var problems) = Churn(world, seed, Work);
        _output.WriteLine($"{workerOps} worker operations, {mapperSteps} mapper steps, {world.Generations} generations");
        foreach (string f in world.Failures.Take(10))
        {
            _output.WriteLine("FAILURE " + f);
        }

        Assert.Empty(problems);
        Assert.Empty(world.Failures.Take(10));
        Assert.True(world.Generations > 10, "the mapper made progress");
        Assert.True(workerOps > 1000, "the workers made progress");
    }

    /// <summary>Meta-test: the same churn on scopes that do not hold off unmap must be caught (mixed generations or
    /// stale writes), or these tests would prove nothing.</summary>
    [Fact]
    public void TheChurnTestCatchesScopesThatDoNotExcludeUnmap()
    {
        using var world = new ChurnWorld(brokenScopes: true);
        (long workerOps, _, var problems) = Churn(world, 7, TimeSpan.FromSeconds(10));
        _output.WriteLine($"{workerOps} worker operations; first failure: {world.Failures.FirstOrDefault()}");
        Assert.Empty(problems);
        Assert.NotEmpty(world.Failures);
    }

    private static (long WorkerOps, long MapperSteps, System.Collections.Generic.List<string> Problems) Churn(ChurnWorld world, int seed, TimeSpan work)
    {
        long workerOps = 0;
        long mapperSteps = 0;
        var stop = Stopwatch.StartNew();
        Action Worker(int id) => () =>
        {
            var random = new Random((seed * 100) + id);
            long n = 0;
            while (stop.Elapsed < work && world.Failures.IsEmpty)
            {
                ChurnWorker.Step(world, random);
                n++;
            }

            if (UserAccessContext.Depth != 0)
            {
                world.Fail($"worker {id} ended at access depth {UserAccessContext.Depth}");
            }

            Interlocked.Add(ref workerOps, n);
        };

        Action mapper = () =>
        {
            var random = new Random(seed);
            while (stop.Elapsed < work && world.Failures.IsEmpty)
            {
                world.MapperStep(random);
                mapperSteps++;
            }
        };

        var problems = Watchdog.RunAll(Limit, mapper, Worker(1), Worker(2), Worker(3));
        for (int slot = 0; slot < ChurnWorld.Slots; slot++)
        {
            world.VerifySlot(slot, "at the end");
        }

        return (workerOps, mapperSteps, problems);
    }
}
