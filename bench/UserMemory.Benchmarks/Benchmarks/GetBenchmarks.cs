using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks.Benchmarks;

/// <summary>
/// Item 1: a validated 8-byte <c>Get</c> against an unchecked read of the same memory, with 1, 1 000 and 100 000
/// areas in the space. "SameArea" hits the middle area every time (a syscall touching one buffer); "RandomArea" walks
/// a fixed random sequence of areas, so any last-area cache misses and the lookup itself is measured. Each invocation
/// does <see cref="Ops"/> reads; times are per read.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GetBenchmarks
{
    /// <summary>Reads per invocation.</summary>
    public const int Ops = 4096;

    private AddrSpace _space = null!;
    private ulong _middle;
    private nuint _middleKernel;
    private ulong[] _random = [];
    private nuint[] _randomKernel = [];
    private ulong[] _areaStarts = [];
    private nuint[] _areaKernel = [];

    /// <summary>How many one-page areas the space holds.</summary>
    [Params(1, 1_000, 100_000)]
    public int Areas { get; set; }

    /// <summary>Builds (or reuses) the space and the address sequences.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _space = GuestLayout.Shared(Areas);
        _middle = GuestLayout.AreaStart(Areas / 2);
        _middleKernel = GuestLayout.KernelAddressOf(_space, _middle);
        var rng = new Random(42);
        _random = new ulong[Ops];
        _randomKernel = new nuint[Ops];
        for (int i = 0; i < Ops; i++)
        {
            _random[i] = GuestLayout.AreaStart(rng.Next(Areas)) + ((ulong)rng.Next(512) * 8);
            _randomKernel[i] = GuestLayout.KernelAddressOf(_space, _random[i]);
            RawMemory.Write(_randomKernel[i], 1L);
        }

        for (int i = 0; i < 8; i++)
        {
            RawMemory.Write(_middleKernel + (nuint)(i * 8), 1L);
        }

        _areaStarts = new ulong[Areas];
        _areaKernel = new nuint[Areas];
        for (int a = 0; a < Areas; a++)
        {
            _areaStarts[a] = GuestLayout.AreaStart(a);
            _areaKernel[a] = GuestLayout.KernelAddressOf(_space, _areaStarts[a]);
        }

        // Every read sees a 1: a sum below Ops would mean the validated path failed and measured its error branch.
        Verify.Equal(Ops, Get_SameArea(), "Get_SameArea");
        Verify.Equal(Ops, ScopeAndGet_SameArea(), "ScopeAndGet_SameArea");
        Verify.Equal(Ops, Get_RandomArea(), "Get_RandomArea");
        Verify.Equal(Ops, ScopeAndGet_RandomArea(), "ScopeAndGet_RandomArea");
        Verify.Equal(Ops, Unchecked_RandomArea(), "Unchecked_RandomArea");
        Verify.Equal(Ops, SortedArraySearch_RandomArea(), "SortedArraySearch_RandomArea");
        Verify.Equal(Ops, ScopeOnly_SameArea(), "ScopeOnly_SameArea");
    }

    /// <summary>Unchecked read of the middle area (8 distinct words, so nothing is hoisted).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    [BenchmarkCategory("SameArea")]
    public long Unchecked_SameArea()
    {
        long sum = 0;
        nuint kernel = _middleKernel;
        for (int i = 0; i < Ops; i++)
        {
            sum += RawMemory.Read<long>(kernel + (nuint)((i & 7) * 8));
        }

        return sum;
    }

    /// <summary><c>UserPtr&lt;long&gt;.Get</c> of the same words inside one open scope.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("SameArea")]
    public long Get_SameArea()
    {
        using UserAccess access = UserAccess.Begin(_space);
        long sum = 0;
        ulong address = _middle;
        for (int i = 0; i < Ops; i++)
        {
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            if (r.IsOk)
            {
                sum += r.GetValueUnchecked();
            }
        }

        return sum;
    }

    /// <summary>Opening and closing a scope, nothing else: the cost of scope entry.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("SameArea")]
    public long ScopeOnly_SameArea()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++)
        {
            using UserAccess access = UserAccess.Begin(_space);
            sum += access.IsActive ? 1 : 0;
        }

        return sum;
    }

    /// <summary>The one-shot syscall pattern: open a scope, get, close the scope, for every read.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("SameArea")]
    public long ScopeAndGet_SameArea()
    {
        long sum = 0;
        ulong address = _middle;
        for (int i = 0; i < Ops; i++)
        {
            using UserAccess access = UserAccess.Begin(_space);
            UserRef<long> r = ((UserPtr<long>)(address + (ulong)((i & 7) * 8))).Get(in access);
            if (r.IsOk)
            {
                sum += r.GetValueUnchecked();
            }
        }

        return sum;
    }

    /// <summary>Unchecked reads along the random sequence.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    [BenchmarkCategory("RandomArea")]
    public long Unchecked_RandomArea()
    {
        long sum = 0;
        nuint[] kernel = _randomKernel;
        for (int i = 0; i < kernel.Length; i++)
        {
            sum += RawMemory.Read<long>(kernel[i]);
        }

        return sum;
    }

    /// <summary>The floor of any lookup: a plain branch-free binary search of a sorted array of the area starts (no
    /// flags, no population, no lock), then the read through the found area's kernel address.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("RandomArea")]
    public long SortedArraySearch_RandomArea()
    {
        long sum = 0;
        ulong[] addresses = _random;
        ulong[] starts = _areaStarts;
        nuint[] kernel = _areaKernel;
        for (int i = 0; i < addresses.Length; i++)
        {
            ulong address = addresses[i];
            int lo = 0;
            int n = starts.Length;
            while (n > 1)
            {
                int half = n >> 1;
                lo = starts[lo + half] <= address ? lo + half : lo;
                n -= half;
            }

            sum += RawMemory.Read<long>(kernel[lo] + (nuint)(address - starts[lo]));
        }

        return sum;
    }

    /// <summary>Validated gets along the random sequence inside one open scope.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("RandomArea")]
    public long Get_RandomArea()
    {
        using UserAccess access = UserAccess.Begin(_space);
        long sum = 0;
        ulong[] addresses = _random;
        for (int i = 0; i < addresses.Length; i++)
        {
            UserRef<long> r = ((UserPtr<long>)addresses[i]).Get(in access);
            if (r.IsOk)
            {
                sum += r.GetValueUnchecked();
            }
        }

        return sum;
    }

    /// <summary>Scope + get + close along the random sequence.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    [BenchmarkCategory("RandomArea")]
    public long ScopeAndGet_RandomArea()
    {
        long sum = 0;
        ulong[] addresses = _random;
        for (int i = 0; i < addresses.Length; i++)
        {
            using UserAccess access = UserAccess.Begin(_space);
            UserRef<long> r = ((UserPtr<long>)addresses[i]).Get(in access);
            if (r.IsOk)
            {
                sum += r.GetValueUnchecked();
            }
        }

        return sum;
    }
}
