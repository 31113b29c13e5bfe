using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>One mapped area of a fuzz layout.</summary>
/// <param name="Start">Page-aligned start (in the layout's own user range).</param>
/// <param name="Size">Page-aligned size.</param>
/// <param name="Flags">Permissions.</param>
/// <param name="Eager">Populated when mapped (else on first access).</param>
/// <param name="Filled">Pages given random contents at setup (populating them); others stay zero.</param>
public sealed record AreaSpec(ulong Start, ulong Size, MappingFlags Flags, bool Eager, bool Filled);

/// <summary>
/// A random address-space layout: a user range of a few pages, areas with random flags, lazy and eager, with gaps,
/// and contents whose zero bytes are frequent enough for terminators to appear.
/// </summary>
/// <param name="UserStart">Start of the user range (page-aligned).</param>
/// <param name="Pages">Number of pages in the user range.</param>
/// <param name="Areas">The areas, sorted, disjoint.</param>
/// <param name="ContentSeed">Seed of the contents.</param>
/// <param name="ZeroOneIn">A content byte is zero with probability 1/this (0: never by chance).</param>
public sealed record Layout(ulong UserStart, int Pages, AreaSpec[] Areas, int ContentSeed, int ZeroOneIn)
{
    /// <summary>One past the last user address.</summary>
    public ulong UserEnd => UserStart + ((ulong)Pages * UserMemory.Pages.Size4K);

    /// <summary>The same layout presented at another user start (every address moved by the same amount).</summary>
    public Layout MovedTo(ulong userStart)
    {
        ulong delta = userStart - UserStart;
        AreaSpec[] areas = Array.ConvertAll(Areas, a => a with { Start = a.Start + delta });
        return this with { UserStart = userStart, Areas = areas };
    }

    /// <summary>The initial contents of a filled area (deterministic in the seed and the area's offset).</summary>
    public byte[] ContentsOf(AreaSpec area)
    {
        var random = new Random(HashCode.Combine(ContentSeed, area.Start - UserStart));
        byte[] bytes = new byte[area.Size];
        random.NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (ZeroOneIn > 0 && random.Next(ZeroOneIn) == 0)
            {
                bytes[i] = 0;
            }
        }

        // A few zero runs, so that wide elements can be terminators too.
        int runs = random.Next(4);
        for (int r = 0; r < runs; r++)
        {
            int at = random.Next(bytes.Length);
            bytes.AsSpan(at, Math.Min(bytes.Length - at, 1 + random.Next(80))).Clear();
        }

        return bytes;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"user [0x{UserStart:x}, 0x{UserEnd:x}) seed {ContentSeed} zero 1/{ZeroOneIn}:");
        foreach (AreaSpec a in Areas)
        {
            text.Append(CultureInfo.InvariantCulture, $" [0x{a.Start:x}+{a.Size / UserMemory.Pages.Size4K}p {a.Flags}{(a.Eager ? " eager" : " lazy")}{(a.Filled ? " filled" : string.Empty)}]");
        }

        return text.ToString();
    }

    /// <summary>Builds a layout from per-segment choices: (gap?, pages, flags, eager, filled).</summary>
    public static Layout Build(ulong userStart, int pages, IReadOnlyList<(bool Gap, int Pages, MappingFlags Flags, bool Eager, bool Filled)> segments, bool topMapped, int seed, int zeroOneIn)
    {
        var areas = new List<AreaSpec>();
        int page = 0;
        foreach (var s in segments)
        {
            if (page >= pages)
            {
                break;
            }

            int length = Math.Min(s.Pages, pages - page);
            bool last = page + length == pages;
            if (!s.Gap || (last && topMapped))
            {
                bool filled = s.Eager || s.Filled;
                areas.Add(new AreaSpec(userStart + ((ulong)page * UserMemory.Pages.Size4K), (ulong)length * UserMemory.Pages.Size4K, s.Flags, s.Eager, filled));
            }

            page += length;
        }

        if (page < pages && topMapped)
        {
            ulong start = userStart + ((ulong)page * UserMemory.Pages.Size4K);
            areas.Add(new AreaSpec(start, (ulong)(pages - page) * UserMemory.Pages.Size4K, MappingFlags.Read | MappingFlags.Write, Eager: false, Filled: true));
        }

        return new Layout(userStart, pages, areas.ToArray(), seed, zeroOneIn);
    }
}
