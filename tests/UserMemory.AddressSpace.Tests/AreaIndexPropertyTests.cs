using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// The area index (the hints and the three-level search behind every lookup) against a plain model, one flags value per
/// page, across random map, unmap and protect sequences that leave hundreds of areas (several index blocks) and shrink
/// again. After every operation a sample of addresses is looked up (in address order and at random, so the hints both
/// hit and miss); after the sequence, every page is.
/// </summary>
public sealed class AreaIndexPropertyTests
{
    private const int Pages = 2048;

    private static readonly MappingFlags[] FlagChoices =
    [
        RO, RW, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User, MappingFlags.None,
    ];

    private enum Kind
    {
        Map,
        Unmap,
        Protect,
    }

    private sealed record Op(Kind Kind, int Page, int Count, MappingFlags Flags, int ProbeSeed)
    {
        public override string ToString() => $"{Kind}(page {Page}, count {Count}, {Flags}, probes {ProbeSeed})";
    }

    private static readonly Gen<Op> GenOp =
        Gen.Select(
            Gen.Frequency((6, Gen.Const(Kind.Map)), (2, Gen.Const(Kind.Unmap)), (2, Gen.Const(Kind.Protect))),
            Gen.Int[0, Pages - 1],
            Gen.Frequency((4, Gen.Int[1, 3]), (1, Gen.Int[4, 64])),
            Gen.OneOf(FlagChoices),
            Gen.Int)
        .Select(t => new Op(t.Item1, t.Item2, Math.Min(t.Item3, Pages - t.Item2), t.Item4, t.Item5));

    [Fact]
    public void Lookups_agree_with_a_page_model_across_random_map_unmap_protect_sequences() =>
        GenOp.Array[1, 400].Sample(Execute, iter: 40, threads: 1, print: ops => string.Join("\n", ops.Select(o => o.ToString())));

    [Fact]
    public void Lookups_stay_exact_while_a_thousand_areas_are_mapped_and_unmapped_in_random_order()
    {
        using AddrSpace space = AddrSpace.Create(Base, 2 * 1024 * Page, new AddrSpaceOptions { GuestView = false });
        var model = new MappingFlags?[2 * 1024];
        var rng = new Random(15);
        int[] order = Enumerable.Range(0, 1024).OrderBy(_ => rng.Next()).ToArray();
        foreach (int i in order)
        {
            Assert.Equal(LinuxError.None, space.MapAlloc(Base + ((ulong)i * 2 * Page), Page, RW, populate: false));
            model[i * 2] = RW;
            if (i % 16 == 0)
            {
                CheckSample(space, model, rng.Next(), 32);
            }
        }

        CheckEveryPage(space, model);
        foreach (int i in order.Reverse())
        {
            Assert.Equal(LinuxError.None, space.Unmap(Base + ((ulong)i * 2 * Page), Page));
            model[i * 2] = null;
            if (i % 16 == 0)
            {
                CheckSample(space, model, rng.Next(), 32);
            }
        }

        CheckEveryPage(space, model);
        Assert.Equal(0, space.AreaCount);
    }

    private static void Execute(Op[] ops)
    {
        using AddrSpace space = AddrSpace.Create(Base, Pages * Page, new AddrSpaceOptions { GuestView = false });
        var model = new MappingFlags?[Pages];
        foreach (Op op in ops)
        {
            ulong start = Base + ((ulong)op.Page * Page);
            ulong size = (ulong)op.Count * Page;
            switch (op.Kind)
            {
                case Kind.Map:
                {
                    bool free = Enumerable.Range(op.Page, op.Count).All(p => model[p] is null);
                    Assert.Equal(free ? LinuxError.None : LinuxError.EEXIST, space.MapAlloc(start, size, op.Flags, populate: false));
                    if (free)
                    {
                        Fill(model, op.Page, op.Count, op.Flags);
                    }

                    break;
                }

                case Kind.Unmap:
                    Assert.Equal(LinuxError.None, space.Unmap(start, size));
                    Fill(model, op.Page, op.Count, null);
                    break;
                default:
                    // Gaps in the range are skipped (the space's documented choice): only mapped pages change.
                    Assert.Equal(LinuxError.None, space.Protect(start, size, op.Flags));
                    for (int p = op.Page; p < op.Page + op.Count; p++)
                    {
                        if (model[p] is not null)
                        {
                            model[p] = op.Flags;
                        }
                    }

                    break;
            }

            CheckSample(space, model, op.ProbeSeed, 24);
        }

        CheckEveryPage(space, model);
    }

    private static void Fill(MappingFlags?[] model, int page, int count, MappingFlags? flags) =>
        Array.Fill(model, flags, page, count);

    /// <summary>Looks up <paramref name="count"/> random addresses, then the same ones in address order.</summary>
    private static void CheckSample(AddrSpace space, MappingFlags?[] model, int seed, int count)
    {
        var rng = new Random(seed);
        var addresses = new List<ulong>();
        for (int i = 0; i < count; i++)
        {
            int page = rng.Next(-1, model.Length + 1);
            addresses.Add((ulong)((long)Base + ((long)page * (long)Page) + rng.Next((int)Page)));
        }

        foreach (ulong address in addresses)
        {
            CheckAddress(space, model, address);
        }

        addresses.Sort();
        foreach (ulong address in addresses)
        {
            CheckAddress(space, model, address);
        }
    }

    private static void CheckEveryPage(AddrSpace space, MappingFlags?[] model)
    {
        for (int page = 0; page < model.Length; page++)
        {
            ulong start = Base + ((ulong)page * Page);
            CheckAddress(space, model, start);
            CheckAddress(space, model, start + Page - 1);
        }

        CheckAddress(space, model, Base - 1);
        CheckAddress(space, model, Base + ((ulong)model.Length * Page));

        // The areas the space reports cover exactly the model's mapped pages, with the model's flags.
        var reported = new MappingFlags?[model.Length];
        foreach (MemoryAreaInfo area in space.GetAreas())
        {
            for (ulong a = area.Range.Start.Value; a < area.Range.End.Value; a += Page)
            {
                reported[(a - Base) / Page] = area.Flags;
            }
        }

        Assert.Equal(model, reported);
    }

    /// <summary>One lookup, three ways: is the byte mapped at all, readable, writable; and a two-byte range
    /// straddling the next page boundary when <paramref name="address"/> is a page's last byte.</summary>
    private static void CheckAddress(AddrSpace space, MappingFlags?[] model, ulong address)
    {
        MappingFlags? flags = FlagsAt(model, address);
        foreach (MappingFlags access in new[] { MappingFlags.None, MappingFlags.Read, MappingFlags.Write })
        {
            bool expected = flags is { } f && (f & access) == access;
            bool actual = space.CheckRegionAccess(VirtAddrRange.FromStartSize(address, 1), access);
            Assert.True(expected == actual, $"0x{address:x} for {access}: model {flags?.ToString() ?? "unmapped"}, space {actual}");
        }

        if ((address & (Page - 1)) == Page - 1)
        {
            MappingFlags? next = FlagsAt(model, address + 1);
            bool expected = flags is { } f && next is { } n && (f & MappingFlags.Read) != 0 && (n & MappingFlags.Read) != 0;
            Assert.Equal(expected, space.CheckRegionAccess(VirtAddrRange.FromStartSize(address, 2), MappingFlags.Read));
        }

        // TryGetArea agrees with the model: an area contains the address exactly when the model maps it, with its flags.
        bool found = space.TryGetArea(new VirtAddr(address), out MemoryAreaInfo containing);
        Assert.True(found == flags.HasValue, $"0x{address:x} TryGetArea: model {flags?.ToString() ?? "unmapped"}, space {found}");
        if (found)
        {
            Assert.True(containing.Range.Start.Value <= address && address < containing.Range.End.Value);
            Assert.Equal(flags, containing.Flags);
        }

        UserResult<byte> read = Guest.ReadByte(space, address);
        bool readable = flags is { } g && (g & MappingFlags.Read) != 0;
        Assert.True(readable == read.IsOk, $"0x{address:x} read: model {flags?.ToString() ?? "unmapped"}, space {read.Error}");
    }

    private static MappingFlags? FlagsAt(MappingFlags?[] model, ulong address)
    {
        if (address < Base)
        {
            return null;
        }

        ulong page = (address - Base) / Page;
        return page < (ulong)model.Length ? model[page] : null;
    }
}
