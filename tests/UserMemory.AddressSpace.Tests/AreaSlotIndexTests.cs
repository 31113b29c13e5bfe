using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// The slot index behind random lookups (<see cref="AreaSlotIndex"/>) against a linear scan of the same areas: dense
/// slots (leaves), sparse slots (a compare of ends), areas spanning many slots, and addresses in gaps, inside big areas
/// and just past the last area. Every answer it gives must be the scan's; "not indexed" is allowed only where no area
/// starts or ends in the address's 2 MiB slot.
/// </summary>
public sealed class AreaSlotIndexTests
{
    private const ulong Page = Pages.Size4K;
    private const ulong Slot = 1UL << AreaSlotIndex.SlotShift;

    /// <summary>Area flags, including none at all and every bit a leaf entry has room for.</summary>
    private static readonly MappingFlags[] FlagChoices =
    [
        MappingFlags.Read, MappingFlags.Read | MappingFlags.Write | MappingFlags.User, MappingFlags.None,
        MappingFlags.Read | MappingFlags.Execute | MappingFlags.User | MappingFlags.Device | MappingFlags.Uncached,
    ];

    private static readonly Gen<(int Gap, int Size)[]> GenLayout =
        Gen.Select(
                Gen.Frequency((6, Gen.Int[0, 3]), (1, Gen.Int[0, 1500])),
                Gen.Frequency((6, Gen.Int[1, 3]), (1, Gen.Int[4, 2000])))
            .Array[0, 700];

    [Fact]
    public void Every_answer_matches_a_linear_scan() =>
        Gen.Select(GenLayout, Gen.Int).Sample(t => Check(t.Item1, t.Item2), iter: 60, threads: 1);

    [Fact]
    public void A_slot_with_the_most_areas_a_leaf_can_hold_is_exact()
    {
        // 512 one-page areas back to back in one slot (the largest count a leaf's 16-bit entries must hold), then
        // the same with one-page gaps.
        Check([.. Repeat((0, 1), 512)], 1);
        Check([.. Repeat((1, 1), 256)], 2);
    }

    private static IEnumerable<(int, int)> Repeat((int, int) value, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return value;
        }
    }

    private static void Check((int Gap, int Size)[] layout, int seed)
    {
        const ulong Base = 0x4000_0000;
        var areas = new List<Area>();
        ulong cursor = Base;
        foreach ((int gap, int size) in layout)
        {
            cursor += (ulong)gap * Page;
            areas.Add(new Area { Start = cursor, End = cursor + ((ulong)size * Page), Flags = FlagChoices[(int)((uint)(areas.Count + seed) % (uint)FlagChoices.Length)] });
            cursor += (ulong)size * Page;
        }

        Area[] items = [.. areas, default, default];
        ulong[] ends = new ulong[Math.Max(64, (items.Length + 63) & ~63)];
        Array.Fill(ends, ulong.MaxValue);
        for (int i = 0; i < areas.Count; i++)
        {
            ends[i] = areas[i].End;
        }

        AreaSlotIndex index = AreaSlotIndex.Build(areas.ToArray());
        var rng = new Random(seed);
        ulong span = cursor - Base + (4 * Slot);
        for (int probe = 0; probe < 3000; probe++)
        {
            ulong address = Base - (2 * Slot) + (((ulong)rng.NextInt64() & long.MaxValue) % span);
            if (probe % 3 == 0 && areas.Count > 0)
            {
                Area a = areas[rng.Next(areas.Count)];
                address = rng.Next(4) switch { 0 => a.Start, 1 => a.End - 1, 2 => a.End, _ => a.Start - 1 };
            }

            int expected = areas.FindIndex(a => a.Start <= address && address < a.End);
            int actual = index.Find(address, items, areas.Count, ends);
            if (actual == AreaSlotIndex.NotIndexed)
            {
                ulong slot = address >> AreaSlotIndex.SlotShift;
                Assert.DoesNotContain(areas, a => a.Start >> AreaSlotIndex.SlotShift == slot || (a.End - 1) >> AreaSlotIndex.SlotShift == slot);
                continue;
            }

            Assert.True(expected == actual, $"0x{address:x}: scan {expected}, index {actual}");
            CheckLeafFlags(index, areas, address, address + (rng.Next(3) switch { 0 => 0, 1 => (ulong)rng.Next(16), _ => (ulong)rng.Next(3 * (int)Page) }));
        }
    }

    /// <summary>The lean lookup (<see cref="AreaSlotIndex.LeafFlags"/>): when it answers, one area holds the whole of
    /// <c>[first, last]</c> and the answer is that area's flags; it must answer for every request inside one area of a
    /// crowded (leaf) slot whose flags are not None.</summary>
    private static void CheckLeafFlags(AreaSlotIndex index, List<Area> areas, ulong first, ulong last)
    {
        MappingFlags actual = index.LeafFlags(first, last);
        int holder = areas.FindIndex(a => a.Start <= first && last < a.End);
        if (actual != MappingFlags.None)
        {
            Assert.True(holder >= 0, $"[0x{first:x}, 0x{last:x}]: leaf answered {actual}, but no one area holds it");
            Assert.Equal(areas[holder].Flags, actual);
            return;
        }

        ulong slot = first >> AreaSlotIndex.SlotShift;
        int inSlot = areas.Count(a => a.Start >> AreaSlotIndex.SlotShift <= slot && (a.End - 1) >> AreaSlotIndex.SlotShift >= slot);
        bool mustAnswer = holder >= 0 && areas[holder].Flags != MappingFlags.None && (last >> AreaSlotIndex.SlotShift) == slot
            && inSlot > AreaSlotIndex.DirectLimit
            && areas.Exists(a => a.Start >> AreaSlotIndex.SlotShift == slot || (a.End - 1) >> AreaSlotIndex.SlotShift == slot);
        Assert.False(mustAnswer, $"[0x{first:x}, 0x{last:x}]: inside one area of a crowded slot, but the leaf did not answer");
    }
}
