using System;
using System.Globalization;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;

namespace UserMemory.Benchmarks;

/// <summary>
/// <c>--memory</c>: measures the managed memory an <see cref="AddrSpace"/> holds for its areas and its population
/// state, by building spaces of growing size and reading the live managed heap after a full collection.
/// </summary>
internal static class MemoryOverheadReport
{
    /// <summary>Prints one line per configuration and the per-area and per-page costs derived from them.</summary>
    public static void Run()
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        Console.WriteLine("# Managed memory held by an AddrSpace (GC.GetTotalMemory(true) delta, after a full collection)");
        long empty = Measure(() => GuestLayout.CreateEmpty(), out _);
        Console.WriteLine(string.Create(c, $"empty space (16 GiB user range, no guest view): {empty:N0} bytes"));

        foreach (int areas in new[] { 1_000, 10_000, 100_000 })
        {
            long bytes = Measure(() => GuestLayout.CreateWithAreas(areas), out long resident);
            Console.WriteLine(string.Create(c,
                $"{areas,7:N0} one-page areas (populated, spread over {2 * areas * 4 / 1024.0:N1} MiB): {bytes,12:N0} bytes = {(bytes - empty) / (double)areas:N1} bytes/area above empty; resident pages {resident:N0}"));
        }

        // Population state alone: one 4 GiB lazy area, then populate all of it (1 048 576 pages).
        const ulong size = 4UL << 30;
        long lazy = Measure(() => LazyArea(size, populate: false), out _);
        long populated = Measure(() => LazyArea(size, populate: true), out long pages);
        Console.WriteLine(string.Create(c,
            $"one 4 GiB lazy area: {lazy:N0} bytes unpopulated, {populated:N0} bytes with all {pages:N0} pages populated = {(populated - lazy) * 8.0 / pages:N3} bits/page of population state"));
    }

    private static AddrSpace LazyArea(ulong size, bool populate)
    {
        AddrSpace space = GuestLayout.CreateEmpty();
        GuestLayout.Expect(space.MapAlloc(GuestLayout.ScratchBase, size, GuestLayout.DataFlags, populate: false), "MapAlloc");
        if (populate)
        {
            using UserAccess access = UserAccess.Begin(space);
            GuestLayout.Expect(space.PopulateArea(VirtAddrRange.FromStartSize(GuestLayout.ScratchBase, size)), "PopulateArea");
        }

        return space;
    }

    private static long Measure(Func<AddrSpace> build, out long residentPages)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        AddrSpace space = build();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        residentPages = space.ResidentPages;
        space.Dispose();
        GC.KeepAlive(space);
        return after - before;
    }
}
