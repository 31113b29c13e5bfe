using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace UserMemory.AddressSpace.Tests.Support;

/// <summary>Reads <c>/proc/self/maps</c>: the host kernel's own account of the mappings, an independent witness.</summary>
internal static class HostMaps
{
    /// <summary>One line of the maps file.</summary>
    internal readonly record struct Mapping(ulong Start, ulong End, string Permissions);

    public static List<Mapping> Read()
    {
        List<Mapping> result = [];
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            ulong start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            result.Add(new Mapping(start, end, line.Substring(space + 1, 4)));
        }

        return result;
    }

    /// <summary>The total number of host mappings of this process.</summary>
    public static int Count() => Read().Count;

    /// <summary>The mappings overlapping <c>[start, start + size)</c>.</summary>
    public static List<Mapping> Within(nint start, ulong size)
    {
        ulong s = (ulong)start;
        ulong e = s + size;
        return Read().FindAll(m => m.End > s && m.Start < e);
    }

    /// <summary>The host permissions ("rw-s" style) of each page of <c>[viewBase + first, viewBase + end)</c>.</summary>
    public static string[] PagePermissions(nint viewBase, ulong firstAddress, ulong endAddress)
    {
        ulong pages = (endAddress - firstAddress) / 4096;
        string[] result = new string[pages];
        ulong s = (ulong)viewBase + firstAddress;
        foreach (Mapping m in Within(viewBase + (nint)firstAddress, endAddress - firstAddress))
        {
            ulong from = Math.Max(m.Start, s);
            ulong to = Math.Min(m.End, s + (pages * 4096));
            for (ulong a = from; a < to; a += 4096)
            {
                result[(a - s) / 4096] = m.Permissions;
            }
        }

        return result;
    }
}
