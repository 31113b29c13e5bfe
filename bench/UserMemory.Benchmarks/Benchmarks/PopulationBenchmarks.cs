using BenchmarkDotNet.Attributes;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks.Benchmarks;

/// <summary>
/// Item 4: making fresh lazy pages usable, per page, against a raw <c>mprotect</c> + first touch of the same number
/// of pages of a plain anonymous mapping. Every variant ends with the page written once through the kernel view, so
/// every variant pays the host's zero-fill fault as well. Each iteration starts from fresh pages
/// (set up outside the measurement, 8 192 pages = 32 MiB) and times are per page.
/// </summary>
public class PopulationBenchmarks
{
    private const int PageCount = 8192;

    private AddrSpace _space = null!;
    private nuint _kernelBase;
    private nuint _raw;

    /// <summary>Creates the space; the areas are mapped per iteration.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _space = GuestLayout.CreateEmpty();
        _kernelBase = GuestLayout.KernelAddressOf(_space, 0);

        // The fault path must succeed, or the benchmark would time its refusal.
        MapLazy();
        Verify.Equal(1, _space.HandlePageFault(GuestLayout.ScratchBase, MappingFlags.Write | MappingFlags.User) ? 1 : 0, "HandlePageFault");
        Verify.Equal(1, _space.IsPopulated(GuestLayout.ScratchBase) ? 1 : 0, "IsPopulated");
        UnmapLazy();
    }

    /// <summary>Releases the space.</summary>
    [GlobalCleanup]
    public void Cleanup() => _space.Dispose();

    /// <summary>A fresh inaccessible anonymous mapping for the baseline.</summary>
    [IterationSetup(Target = nameof(RawMprotectAndTouch))]
    public void MapRaw() => _raw = RawMemory.MapAnonymous(PageCount * (nuint)UserMemory.Pages.Size4K);

    /// <summary>Drops the baseline's mapping.</summary>
    [IterationCleanup(Target = nameof(RawMprotectAndTouch))]
    public void UnmapRaw() => RawMemory.Unmap(_raw, PageCount * (nuint)UserMemory.Pages.Size4K);

    /// <summary>A fresh lazy area for the address-space variants.</summary>
    [IterationSetup(Targets = [nameof(HandlePageFaultAndTouch), nameof(FirstGet), nameof(PopulateAreaAndTouch)])]
    public void MapLazy() =>
        GuestLayout.Expect(_space.MapAlloc(GuestLayout.ScratchBase, PageCount * UserMemory.Pages.Size4K, GuestLayout.DataFlags, populate: false), "MapAlloc lazy");

    /// <summary>Unmaps the lazy area (its pages are dropped).</summary>
    [IterationCleanup(Targets = [nameof(HandlePageFaultAndTouch), nameof(FirstGet), nameof(PopulateAreaAndTouch)])]
    public void UnmapLazy() => GuestLayout.Expect(_space.Unmap(GuestLayout.ScratchBase, PageCount * UserMemory.Pages.Size4K), "Unmap");

    /// <summary>Baseline: <c>mprotect</c> one page read-write, then write to it, for every page.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PageCount)]
    public void RawMprotectAndTouch()
    {
        nuint page = _raw;
        for (int i = 0; i < PageCount; i++, page += (nuint)UserMemory.Pages.Size4K)
        {
            RawMemory.Protect(page, (nuint)UserMemory.Pages.Size4K, RawMemory.ProtReadWrite);
            RawMemory.Touch(page);
        }
    }

    /// <summary>The guest fault path: a user-mode write fault per page, then the write.</summary>
    [Benchmark(OperationsPerInvoke = PageCount)]
    public void HandlePageFaultAndTouch()
    {
        ulong va = GuestLayout.ScratchBase;
        for (int i = 0; i < PageCount; i++, va += UserMemory.Pages.Size4K)
        {
            if (_space.HandlePageFault(va, MappingFlags.Write | MappingFlags.User))
            {
                RawMemory.Touch(_kernelBase + (nuint)va);
            }
        }
    }

    /// <summary>The core's populate-on-first-access: a validated <c>Get</c> per page in one scope, then the write.</summary>
    [Benchmark(OperationsPerInvoke = PageCount)]
    public void FirstGet()
    {
        using UserAccess access = UserAccess.Begin(_space);
        ulong va = GuestLayout.ScratchBase;
        for (int i = 0; i < PageCount; i++, va += UserMemory.Pages.Size4K)
        {
            UserRef<byte> r = ((UserPtr<byte>)va).Get(in access);
            if (r.IsOk)
            {
                r.GetValueUnchecked() = 1;
            }
        }
    }

    /// <summary>Bulk: one <c>PopulateArea</c> over all pages, then a write to each.</summary>
    [Benchmark(OperationsPerInvoke = PageCount)]
    public void PopulateAreaAndTouch()
    {
        using UserAccess access = UserAccess.Begin(_space);
        ulong va = GuestLayout.ScratchBase;
        if (_space.PopulateArea(new VirtAddrRange(va, va + (PageCount * UserMemory.Pages.Size4K))) != LinuxError.None)
        {
            return;
        }

        for (int i = 0; i < PageCount; i++, va += UserMemory.Pages.Size4K)
        {
            RawMemory.Touch(_kernelBase + (nuint)va);
        }
    }
}
