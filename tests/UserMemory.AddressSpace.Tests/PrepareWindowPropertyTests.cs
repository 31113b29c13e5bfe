using System;
using CsCheck;
using UserMemory.UnsafeAccess;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// <see cref="AddrSpace.PrepareWindow"/> against a page model over crowded layouts (many small areas per 2 MiB slot,
/// mixed flags, populated and lazy), where most requests take the lean path (the slot index's leaf and the population
/// bitmap, no area record). Every answer must be the model's: success exactly when contiguous areas with the requested
/// flags cover the request; and on success a window that covers the request, lies in areas carrying its flags, is
/// populated in full and translates through the kernel base.
/// </summary>
public sealed class PrepareWindowPropertyTests
{
    private const ulong Page = Pages.Size4K;
    private const int ModelPages = 2048; // 8 MiB: four 2 MiB slots

    private static readonly MappingFlags[] FlagChoices =
    [
        RO, RW, MappingFlags.None, MappingFlags.Read | MappingFlags.Execute | MappingFlags.User,
        MappingFlags.Read | MappingFlags.Write | MappingFlags.Device,
    ];

    private static readonly MappingFlags[] Accesses = [MappingFlags.None, MappingFlags.Read, MappingFlags.Write, MappingFlags.Read | MappingFlags.Write];

    private static readonly Gen<(int Gap, int Size, int Flags, bool Populate)[]> GenLayout =
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, 4], Gen.Int[0, FlagChoices.Length - 1], Gen.Bool).Array[50, 600];

    [Fact]
    public void Windows_agree_with_a_page_model_on_crowded_layouts() =>
        Gen.Select(GenLayout, Gen.Int).Sample(t => Check(t.Item1, t.Item2), iter: 30, threads: 1);

    private static void Check((int Gap, int Size, int Flags, bool Populate)[] layout, int seed)
    {
        using AddrSpace space = AddrSpace.Create(Base, ModelPages * Page, new AddrSpaceOptions { GuestView = false });
        var model = new MappingFlags?[ModelPages];
        int page = 0;
        foreach ((int gap, int size, int flags, bool populate) in layout)
        {
            page += gap;
            if (page + size > ModelPages)
            {
                break;
            }

            Assert.Equal(LinuxError.None, space.MapAlloc(Base + ((ulong)page * Page), (ulong)size * Page, FlagChoices[flags], populate));
            Array.Fill(model, FlagChoices[flags], page, size);
            page += size + 1; // a one-page gap at least, so that neighbours never merge
        }

        var rng = new Random(seed);
        space.EnterAccess();
        try
        {
            for (int probe = 0; probe < 4000; probe++)
            {
                ulong address = Base + (ulong)rng.NextInt64((long)(ModelPages * Page));
                ulong size = rng.Next(3) switch { 0 => 1, 1 => (ulong)rng.Next(1, 64), _ => (ulong)rng.Next(1, 3 * (int)Page) };
                MappingFlags access = Accesses[rng.Next(Accesses.Length)];
                CheckOne(space, model, address, size, access);
            }
        }
        finally
        {
            space.ExitAccess();
        }
    }

    private static void CheckOne(AddrSpace space, MappingFlags?[] model, ulong address, ulong size, MappingFlags access)
    {
        ulong last = address + size - 1;
        bool expected = Covered(model, address, last, access);
        LinuxError e = space.PrepareWindow(address, size, access, out ValidatedWindow w);
        Assert.True(expected == (e == LinuxError.None), $"[0x{address:x}, 0x{last:x}] for {access}: model {expected}, space {e}");
        if (e != LinuxError.None)
        {
            Assert.Equal(MappingFlags.None, w.Flags);
            return;
        }

        Assert.True(w.First <= address && last <= w.Last, $"window [0x{w.First:x}, 0x{w.Last:x}] misses [0x{address:x}, 0x{last:x}]");
        Assert.Equal(access, w.Flags & access);
        Assert.Equal((nuint)space.KernelBase, w.KernelDelta);
        Assert.True(Covered(model, w.First, w.Last, w.Flags), $"window [0x{w.First:x}, 0x{w.Last:x}] {w.Flags} is not all such areas");
        for (ulong p = w.First & ~(Page - 1); p <= w.Last; p += Page)
        {
            Assert.True(space.IsPopulated(p), $"window page 0x{p:x} is not populated");
        }
    }

    private static bool Covered(MappingFlags?[] model, ulong first, ulong last, MappingFlags access)
    {
        if (first < Base || last < first || last >= Base + (ModelPages * Page))
        {
            return false;
        }

        for (ulong p = (first - Base) / Page; p <= (last - Base) / Page; p++)
        {
            if (model[p] is not { } f || (f & access) != access)
            {
                return false;
            }
        }

        return true;
    }
}
