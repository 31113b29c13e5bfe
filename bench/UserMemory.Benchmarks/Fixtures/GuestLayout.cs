using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;

namespace UserMemory.Benchmarks.Fixtures;

/// <summary>
/// Builds the address spaces the benchmarks run on: <c>n</c> one-page areas, each followed by a one-page gap so no
/// two areas can merge, starting at <see cref="AreaBase"/>; and a large scratch area above them for buffers.
/// </summary>
/// <remarks>
/// The spaces are created without the guest view (<see cref="AddrSpaceOptions.GuestView"/> false): every benchmark
/// here goes through the kernel view, and 100 000 separated areas would need about 200 000 host mappings in a guest
/// view, over the host's <c>vm.max_map_count</c>. Read-only fixtures are shared between benchmark cases of one
/// process (<see cref="Shared"/>) because building 100 000 areas is setup, not the thing measured.
/// </remarks>
internal static class GuestLayout
{
    /// <summary>The first user address.</summary>
    public const ulong UserStart = 0x1_0000;

    /// <summary>The size of the user range: 16 GiB.</summary>
    public const ulong UserSize = (16UL << 30) - UserStart;

    /// <summary>Where the first one-page area starts.</summary>
    public const ulong AreaBase = 0x100_0000;

    /// <summary>Where the scratch area for buffers starts (above the 100 000 areas' 800 MB).</summary>
    public const ulong ScratchBase = 0x1_0000_0000;

    /// <summary>The flags of every area: what a user data mapping carries.</summary>
    public const MappingFlags DataFlags = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;

    private static readonly Dictionary<int, AddrSpace> s_shared = [];

    /// <summary>The user address of area <paramref name="index"/>.</summary>
    public static ulong AreaStart(int index) => AreaBase + ((ulong)index * 2 * Pages.Size4K);

    /// <summary>Creates an empty space with the layout's user range.</summary>
    public static AddrSpace CreateEmpty() =>
        AddrSpace.Create(UserStart, UserSize, new AddrSpaceOptions { GuestView = false, MaxHostMappings = 1 << 20 });

    /// <summary>Creates a space with <paramref name="areaCount"/> populated one-page areas.</summary>
    public static AddrSpace CreateWithAreas(int areaCount)
    {
        AddrSpace space = CreateEmpty();
        for (int i = 0; i < areaCount; i++)
        {
            Expect(space.MapAlloc(AreaStart(i), Pages.Size4K, DataFlags, populate: true), "MapAlloc");
        }

        return space;
    }

    /// <summary>A space with <paramref name="areaCount"/> areas, built once per process and never mutated.</summary>
    public static AddrSpace Shared(int areaCount)
    {
        lock (s_shared)
        {
            if (!s_shared.TryGetValue(areaCount, out AddrSpace? space))
            {
                space = CreateWithAreas(areaCount);
                s_shared.Add(areaCount, space);
            }

            return space;
        }
    }

    /// <summary>Maps an eager read-write scratch area of <paramref name="size"/> bytes at <see cref="ScratchBase"/>.</summary>
    public static void MapScratch(AddrSpace space, ulong size) =>
        Expect(space.MapAlloc(ScratchBase, Pages.AlignDown4K(size + Pages.Size4K - 1), DataFlags, populate: true), "MapAlloc scratch");

    /// <summary>The kernel address of <paramref name="userAddress"/>, for the unchecked baselines.</summary>
    public static nuint KernelAddressOf(AddrSpace space, ulong userAddress)
    {
        using UserAccess access = UserAccess.Begin(space);
        return space.GetKernelAddress(userAddress);
    }

    /// <summary>Fails setup loudly: a benchmark on a broken fixture would measure the error path.</summary>
    public static void Expect(LinuxError error, string what)
    {
        if (error != LinuxError.None)
        {
            throw new InvalidOperationException($"{what} failed: {error}");
        }
    }
}
