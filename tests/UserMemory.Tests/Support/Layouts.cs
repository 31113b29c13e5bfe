namespace UserMemory.Tests.Support;

/// <summary>Address-space layouts shared by the pointer tests.</summary>
public static class Layouts
{
    public const ulong Start = 0x10000;
    public const ulong RwEager = 0x10000;     // 2 pages read-write, populated
    public const ulong ReadOnly = 0x12000;    // 1 page read-only
    public const ulong Hole = 0x13000;        // 1 page unmapped
    public const ulong RwLazy = 0x14000;      // 2 pages read-write, lazily populated
    public const ulong WriteOnly = 0x16000;   // 1 page write-only
    public const ulong LastPage = 0x1F000;    // read-write page ending exactly at the top of the user range
    public const ulong End = 0x20000;

    public const MappingFlags RW = MappingFlags.Read | MappingFlags.Write;

    /// <summary>[0x10000, 0x20000) with the regions named above; everything else unmapped.</summary>
    public static TestAddressSpace Standard()
    {
        var space = new TestAddressSpace(Start, End - Start);
        space.Map(RwEager, 0x2000, RW);
        space.Map(ReadOnly, 0x1000, MappingFlags.Read);
        space.Map(RwLazy, 0x2000, RW, populate: false);
        space.Map(WriteOnly, 0x1000, MappingFlags.Write);
        space.Map(LastPage, 0x1000, RW);
        return space;
    }

    /// <summary>The top of the 64-bit space: user range [2^64 - 0x11000, 2^64 - 0x1000), all read-write.</summary>
    public static TestAddressSpace TopOfSpace(out ulong userEnd)
    {
        userEnd = 0xFFFF_FFFF_FFFF_F000;
        var space = new TestAddressSpace(userEnd - 0x10000, 0x10000);
        space.Map(userEnd - 0x10000, 0x10000, RW);
        return space;
    }
}
