using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>One fuzz scenario: an implementation, a layout and a sequence of operations on it.</summary>
/// <param name="Kind">The implementation.</param>
/// <param name="Layout">The layout as built (low user range).</param>
/// <param name="Seen">The layout as the core sees it (moved to the top of the space for the top target).</param>
/// <param name="Ops">The operations.</param>
public sealed record Scenario(FuzzTargetKind Kind, Layout Layout, Layout Seen, Op[] Ops)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Seen}\n  " + string.Join("\n  ", Ops.Select(o => o.ToString()));
}

/// <summary>CsCheck generators of layouts and hostile operations.</summary>
public static class FuzzGen
{
    private static readonly MappingFlags[] FlagChoices =
    [
        MappingFlags.Read, MappingFlags.Read | MappingFlags.Write, MappingFlags.Write, MappingFlags.Read | MappingFlags.Execute,
        MappingFlags.Execute, MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute, MappingFlags.None,
        MappingFlags.Read | MappingFlags.Write | MappingFlags.User,
    ];

    private static readonly ulong[] HugeCounts =
    [
        ulong.MaxValue, ulong.MaxValue - 1, ulong.MaxValue / 2, (ulong)int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue,
        (ulong)uint.MaxValue + 1, 1UL << 63, (1UL << 63) - 1, 1UL << 32, 1UL << 40, 0x10_0000, 128 * 1024, (128 * 1024) + 1,
    ];

    private static readonly OpKind[] Kinds = Enum.GetValues<OpKind>();

    /// <summary>Random layouts: 2..20 pages, areas of 1..4 pages with random flags, lazy or eager, gaps, and often a
    /// mapped last page (an area ending at the top of the user range).</summary>
    public static readonly Gen<Layout> Layouts =
        Gen.Select(
            Gen.OneOf(0x1000UL, 0x10000UL, 0x4000_0000UL),
            Gen.Int[2, 20],
            Gen.Select(Gen.Int[0, 3], Gen.Int[1, 4], Gen.OneOf(FlagChoices), Gen.Bool, Gen.Bool, (g, p, f, e, fill) => (g == 0, p, f, e, fill)).Array[1, 12],
            Gen.Bool,
            Gen.Int,
            Gen.OneOf(0, 2, 5, 40, 400),
            (start, pages, segments, top, seed, zero) => Layout.Build(start, pages, segments, top, seed, zero));

    /// <summary>Scenarios of <paramref name="opsPerScenario"/> operations.</summary>
    public static Gen<Scenario> Scenarios(int opsPerScenario) =>
        Gen.Select(Gen.OneOf(FuzzTargetKind.AddrSpace, FuzzTargetKind.AddrSpace, FuzzTargetKind.AddrSpaceAtTop, FuzzTargetKind.TestAddressSpace), Layouts)
            .SelectMany((kind, layout) =>
            {
                if (kind == FuzzTargetKind.TestAddressSpace)
                {
                    // TestAddressSpace reads flags None as "unmapped"; a mapped area without permissions is User there.
                    layout = layout with { Areas = Array.ConvertAll(layout.Areas, a => a.Flags == MappingFlags.None ? a with { Flags = MappingFlags.User } : a) };
                }

                Layout seen = kind == FuzzTargetKind.AddrSpaceAtTop ? layout.MovedTo(FuzzTarget.TopUserEnd - (layout.UserEnd - layout.UserStart)) : layout;
                return Ops(seen).Array[opsPerScenario].Select(ops => new Scenario(kind, layout, seen, ops));
            });

    /// <summary>Hostile addresses for a layout: area edges and page edges give or take a little, anywhere around the
    /// user range, the top of the 64-bit space, and a few famous values.</summary>
    public static Gen<ulong> Addresses(Layout l)
    {
        var points = new List<ulong> { l.UserStart, l.UserEnd };
        foreach (AreaSpec a in l.Areas)
        {
            points.Add(a.Start);
            points.Add(a.Start + a.Size);
        }

        ulong[] edges = points.Distinct().ToArray();
        ulong low = l.UserStart > 0x2000 ? l.UserStart - 0x2000 : 0;
        ulong high = l.UserEnd < ulong.MaxValue - 0x2000 ? l.UserEnd + 0x2000 : ulong.MaxValue;
        return Gen.Frequency(
            (30, Gen.Select(Gen.OneOf(edges), Gen.Int[-80, 80], (p, d) => p + (ulong)(long)d)),
            (25, Gen.ULong[low, high]),
            (10, Gen.Select(Gen.ULong[low, high], Gen.Int[-8, 8], (p, d) => (p & ~Pages.OffsetMask4K) + (ulong)(long)d)),
            (5, Gen.OneOf(0UL, 1UL, 8UL, 0x1000UL, ulong.MaxValue, ulong.MaxValue - 7, 1UL << 63, (1UL << 63) - 8, l.UserEnd - 1, l.UserEnd - 8, l.UserStart - 1)),
            (5, Gen.ULong[0, 0x3000].Select(d => ulong.MaxValue - d)),
            (3, Gen.ULong));
    }

    /// <summary>Counts: mostly small, sometimes up to three pages, sometimes huge.</summary>
    public static readonly Gen<ulong> Counts = Gen.Frequency(
        (40, Gen.ULong[0, 16]),
        (25, Gen.ULong[0, 3 * 4096]),
        (10, Gen.OneOf(HugeCounts)),
        (3, Gen.ULong));

    private static Gen<IoVec> Vectors(Layout l) =>
        Gen.Select(Addresses(l), Gen.Frequency((50, Gen.ULong[0, 64]), (30, Gen.ULong[0, 3 * 4096]), (10, Gen.OneOf(HugeCounts))), (b, n) => new IoVec(b, n));

    /// <summary>One operation with arguments shaped for its API.</summary>
    public static Gen<Op> Ops(Layout l) =>
        Gen.Select(
            Gen.OneOf(Kinds),
            Gen.Int[0, ElementCatalog.All.Length - 1],
            Gen.Select(Addresses(l), Gen.Int[0, 3], (a, z) => (a, z)),
            Counts,
            Gen.ULong,
            Addresses(l),
            Gen.Int,
            Vectors(l).Array[0, 6],
            (kind, element, address, count, extra, address2, seed, vectors) => Shape(kind, element, address.a, address.z, count, extra, address2, seed, vectors));

    private static Op Shape(OpKind kind, int element, ulong address, int alignChoice, ulong count, ulong extra, ulong address2, int seed, IoVec[] vectors)
    {
        ElementType type = ElementCatalog.All[element];
        if (alignChoice > 0)
        {
            address &= ~(ulong)(type.Align - 1); // most pointers are aligned; a quarter are whatever they happen to be
        }

        ulong pageCap = 3 * Pages.Size4K;
        var places = Array.Empty<Placement>();
        switch (kind)
        {
            case OpKind.CopyIn:
            case OpKind.CopyOut:
                count %= (pageCap / (ulong)type.Size) + 1;
                break;
            case OpKind.Strncpy:
            case OpKind.CaptureIn:
            case OpKind.CaptureOut:
            case OpKind.CopyInVector:
            case OpKind.CopyOutVector:
                count %= pageCap + 1;
                extra %= 3 * 64;
                break;
            case OpKind.CopyString:
            case OpKind.CopyUtf8String:
                count = 1 + (count % 9000);
                break;
            case OpKind.ImportIoVectors:
                count = (extra % 8) switch
                {
                    0 => unchecked((ulong)-1L),
                    1 => 1024,
                    2 => 1025,
                    3 => unchecked((ulong)long.MinValue),
                    _ => (ulong)vectors.Length - (count % 2),
                };
                places = [new Placement(address, UntypedOps.Serialize(vectors))];
                break;
            case OpKind.StringArray:
            case OpKind.ExecArguments:
                places = StringArrayPlaces(address, vectors, seed);
                address2 = (extra % 3) switch { 0 => 0, 1 => address, _ => address2 };
                break;
            case OpKind.StructFromUser:
            case OpKind.StructToUser:
                count = (seed % 3) switch { 0 => count % 200, 1 => (ulong)type.Size, _ => count };
                extra = (extra % 4) switch { 0 => Pages.Size4K, 1 => ulong.MaxValue, 2 => extra % 128, _ => (ulong)type.Size };
                break;
            case OpKind.AtomicLoad32:
            case OpKind.CompareExchange32:
                if (alignChoice > 0)
                {
                    address &= ~3UL;
                }

                break;
        }

        return new Op(kind, element, address, count, extra, address2, seed, places, vectors);
    }

    /// <summary>An argv-like array at <paramref name="array"/>: the vectors' bases as string pointers (null-terminated
    /// unless the seed says otherwise), and at each a string of the vector's length (NUL-terminated unless the seed
    /// says otherwise).</summary>
    private static Placement[] StringArrayPlaces(ulong array, IoVec[] vectors, int seed)
    {
        var random = new Random(seed);
        var places = new List<Placement>();
        bool terminated = random.Next(8) != 0;
        byte[] pointers = new byte[(vectors.Length + (terminated ? 1 : 0)) * 8];
        for (int i = 0; i < vectors.Length; i++)
        {
            BitConverter.TryWriteBytes(pointers.AsSpan(i * 8), vectors[i].Base);
        }

        foreach (IoVec v in vectors)
        {
            int length = (int)(v.Length % 60);
            byte[] s = new byte[length + 1];
            for (int i = 0; i < length; i++)
            {
                s[i] = (byte)random.Next(1, 256);
            }

            if (random.Next(8) == 0)
            {
                s[length] = 0x41;
            }

            places.Add(new Placement(v.Base, s));
        }

        places.Add(new Placement(array, pointers)); // last: the array wins where it overlaps a string
        return places.ToArray();
    }
}
