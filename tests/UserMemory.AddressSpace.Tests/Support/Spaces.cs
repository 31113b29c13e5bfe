namespace UserMemory.AddressSpace.Tests.Support;

/// <summary>Common shapes of test address spaces.</summary>
internal static class Spaces
{
    public const ulong Page = 4096;
    public const ulong Base = 0x10000;
    public const MappingFlags RW = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;
    public const MappingFlags RO = MappingFlags.Read | MappingFlags.User;

    /// <summary>A 16 MiB space starting at 64 KiB.</summary>
    public static AddrSpace Small(AddrSpaceOptions? options = null) => AddrSpace.Create(Base, 16UL << 20, options);
}
