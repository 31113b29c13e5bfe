using System.Collections.Generic;
using CsCheck;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu.Paging;

namespace UserMemory.Linux.Tests.Cpu;

/// <summary>The backend-neutral page tables: flat leaf array, lazily present chunks, scans and clears.</summary>
public sealed class GuestPageTablesTests
{
    private const ulong Page = IdentityPagingLayout.PageSize;
    private const ulong Chunk = IdentityPagingLayout.ChunkSize;
    private const ulong UserEnd = 64UL << 30;

    [Fact]
    public void Layout_puts_the_block_above_the_user_range()
    {
        var layout = new IdentityPagingLayout(UserEnd);
        Assert.Equal(UserEnd, layout.BlockBase);
        Assert.Equal(64, layout.UserGigabytes);
        Assert.Equal(32768, layout.UserChunks);
        Assert.True(layout.BlockSize < IdentityPagingLayout.GigabyteSize);
        Assert.Equal(layout.BlockBase + (2 * Page), layout.Root);
        Assert.Equal(layout.BlockBase, layout.StubAddress);
        Assert.Throws<System.ArgumentException>(() => new IdentityPagingLayout(Chunk + Page));
        Assert.Throws<System.ArgumentException>(() => new IdentityPagingLayout(0));
    }

    [Fact]
    public void Entries_map_pages_to_themselves_with_the_area_bits()
    {
        using var tables = new GuestPageTables(new IdentityPagingLayout(UserEnd));
        ulong va = (5UL << 30) + (7 * Page) + 123;
        Assert.Equal(0UL, tables.Entry(va));
        tables.Set(va, PageTableEntry.ForArea(MappingFlags.Read | MappingFlags.Write));
        ulong entry = tables.Entry(va);
        Assert.Equal(Pages.AlignDown4K(va), entry & PageTableEntry.AddressMask);
        Assert.True(PageTableEntry.IsPresent(entry));
        Assert.NotEqual(0UL, entry & PageTableEntry.Writable);
        Assert.NotEqual(0UL, entry & PageTableEntry.NoExecute);
        Assert.False(PageTableEntry.IsUserExecutable(entry));
        Assert.Equal(0UL, tables.Entry(UserEnd + Page));
    }

    [Fact]
    public void Area_bits_follow_the_protections()
    {
        Assert.Equal(0UL, PageTableEntry.ForArea(MappingFlags.User));
        ulong rx = PageTableEntry.ForArea(MappingFlags.Read | MappingFlags.Execute | MappingFlags.User);
        Assert.True(PageTableEntry.IsUserExecutable(rx));
        Assert.Equal(0UL, rx & PageTableEntry.Writable);
        ulong ro = PageTableEntry.ForArea(MappingFlags.Read);
        Assert.Equal(PageTableEntry.Present | PageTableEntry.User | PageTableEntry.NoExecute, ro);
    }

    [Fact]
    public void Scans_and_clears_find_executable_runs()
    {
        using var tables = new GuestPageTables(new IdentityPagingLayout(UserEnd));
        ulong code = PageTableEntry.ForArea(MappingFlags.Read | MappingFlags.Execute);
        ulong data = PageTableEntry.ForArea(MappingFlags.Read | MappingFlags.Write);
        ulong b = 1UL << 30;
        tables.Set(b, code);
        tables.Set(b + Page, code);
        tables.Set(b + (3 * Page), data);
        tables.Set(b + Chunk - Page, code); // the run continues into the next chunk
        tables.Set(b + Chunk, code);
        Assert.False(tables.AnyPresent(0, b, out _));
        Assert.True(tables.AnyPresent(b + (2 * Page), b + (4 * Page), out bool executable));
        Assert.False(executable);
        var runs = new List<(ulong, ulong)>();
        tables.ForEachExecutableRun(0, UserEnd, (s, e) => runs.Add((s, e)));
        Assert.Equal([(b, b + (2 * Page)), (b + Chunk - Page, b + Chunk + Page)], runs);
        Assert.True(tables.Clear(b + Page, b + Chunk));
        Assert.True(PageTableEntry.IsPresent(tables.Entry(b)));
        Assert.False(PageTableEntry.IsPresent(tables.Entry(b + (3 * Page))));
        Assert.True(PageTableEntry.IsPresent(tables.Entry(b + Chunk)));
        Assert.True(tables.Clear(0, UserEnd));
        Assert.False(tables.AnyPresent(0, UserEnd, out _));
        Assert.False(tables.Clear(0, UserEnd));
    }

    [Fact]
    public void Tables_agree_with_a_model_under_random_sets_and_clears()
    {
        const ulong Span = 4 * Chunk;
        Gen.Select(Gen.ULong[0, (Span / Page) - 1], Gen.ULong[1, 600], Gen.Bool).Array[1, 60].Sample(ops =>
        {
            using var tables = new GuestPageTables(new IdentityPagingLayout(UserEnd));
            var model = new Dictionary<ulong, ulong>();
            ulong bits = PageTableEntry.ForArea(MappingFlags.Read | MappingFlags.Execute);
            foreach ((ulong page, ulong count, bool set) in ops)
            {
                ulong start = page * Page;
                ulong end = System.Math.Min(Span, start + (count * Page));
                if (set)
                {
                    tables.Set(start, bits);
                    model[start] = bits;
                }
                else
                {
                    bool expected = false;
                    foreach (ulong k in new List<ulong>(model.Keys))
                    {
                        if (k >= start && k < end)
                        {
                            expected = true;
                            model.Remove(k);
                        }
                    }

                    Assert.Equal(expected, tables.Clear(start, end));
                }
            }

            for (ulong va = 0; va < Span; va += Page)
            {
                Assert.Equal(model.ContainsKey(va), PageTableEntry.IsPresent(tables.Entry(va)));
            }
        }, iter: 50);
    }
}
