using System;
using System.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks.Benchmarks;

/// <summary>
/// Item 5: validated gets on one address space (1 000 areas) from one thread against two threads. Every invocation
/// performs the same total number of gets (<see cref="TotalOps"/>): the baseline on one thread, the other variant
/// split half and half between the calling thread and a parked worker thread. The reported time is per get, so
/// two-thread throughput over one-thread throughput is <c>1 / Ratio</c> (2.0 would be perfect scaling).
/// "InScope" keeps one scope per thread per invocation; "ScopePerGet" opens and closes a scope around every get,
/// which is where a reader lock on one shared cache line would serialise the threads.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ThreadScalingBenchmarks
{
    /// <summary>Gets per invocation, over all threads.</summary>
    public const int TotalOps = 1 << 21;

    private const int AreaCount = 1_000;

    private AddrSpace _space = null!;
    private ulong[] _addresses = [];
    private Thread? _worker;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private volatile bool _workerScopePerGet;
    private volatile bool _stopping;

    /// <summary>Builds the space and parks the worker thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _space = GuestLayout.Shared(AreaCount);

        // Thread 0 reads the middle area, thread 1 the next one: distinct pages, no false sharing of user data.
        _addresses = [GuestLayout.AreaStart(AreaCount / 2), GuestLayout.AreaStart((AreaCount / 2) + 1)];
        foreach (ulong address in _addresses)
        {
            nuint kernel = GuestLayout.KernelAddressOf(_space, address);
            for (int i = 0; i < 8; i++)
            {
                RawMemory.Write(kernel + (nuint)(i * 8), 1L); // every get reads a 1, so the sums count successes
            }
        }

        _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "bench-worker" };
        _worker.Start();
        Verify.Equal(TotalOps, OneThread_InScope(), "OneThread_InScope");
        Verify.Equal(TotalOps, TwoThreads_InScope(), "TwoThreads_InScope");
        Verify.Equal(TotalOps, OneThread_ScopePerGet(), "OneThread_ScopePerGet");
        Verify.Equal(TotalOps, TwoThreads_ScopePerGet(), "TwoThreads_ScopePerGet");
    }

    /// <summary>Stops the worker.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _start.Release();
        _worker?.Join();
    }

    /// <summary>Baseline: all gets on the calling thread, one scope.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = TotalOps)]
    [BenchmarkCategory("InScope")]
    public long OneThread_InScope() => GetsInScope(_addresses[0], TotalOps);

    /// <summary>Half the gets on the calling thread, half on the worker, each in one scope.</summary>
    [Benchmark(OperationsPerInvoke = TotalOps)]
    [BenchmarkCategory("InScope")]
    public long TwoThreads_InScope() => RunOnTwoThreads(scopePerGet: false);

    /// <summary>Baseline: all gets on the calling thread, a scope per get.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = TotalOps)]
    [BenchmarkCategory("ScopePerGet")]
    public long OneThread_ScopePerGet() => GetsWithScopeEach(_addresses[0], TotalOps);

    /// <summary>Half the gets on each of two threads, a scope per get.</summary>
    [Benchmark(OperationsPerInvoke = TotalOps)]
    [BenchmarkCategory("ScopePerGet")]
    public long TwoThreads_ScopePerGet() => RunOnTwoThreads(scopePerGet: true);

    private long RunOnTwoThreads(bool scopePerGet)
    {
        _workerScopePerGet = scopePerGet;
        _done.Reset();
        _start.Release();
        long mine = scopePerGet ? GetsWithScopeEach(_addresses[0], TotalOps / 2) : GetsInScope(_addresses[0], TotalOps / 2);
        _done.Wait();
        return mine + Interlocked.Read(ref _workerResult);
    }

    private long _workerResult;

    private void WorkerLoop()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping)
            {
                return;
            }

            long n = _workerScopePerGet ? GetsWithScopeEach(_addresses[1], TotalOps / 2) : GetsInScope(_addresses[1], TotalOps / 2);
            Interlocked.Exchange(ref _workerResult, n);
            _done.Set();
        }
    }

    private long GetsInScope(ulong address, int count)
    {
        using UserAccess access = UserAccess.Begin(_space);
        long ok = 0;
        for (int i = 0; i < count; i++)
        {
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            ok += r.IsOk ? r.GetValueUnchecked() : 0;
        }

        return ok;
    }

    private long GetsWithScopeEach(ulong address, int count)
    {
        long ok = 0;
        for (int i = 0; i < count; i++)
        {
            using UserAccess access = UserAccess.Begin(_space);
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            ok += r.IsOk ? r.GetValueUnchecked() : 0;
        }

        return ok;
    }
}
