using System;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Copy;

/// <summary>Shared layout for the copy tests: a 16-page user range starting at <see cref="Base"/>, nothing mapped.</summary>
internal static class UserSpaceLayout
{
    public const ulong Base = 0x10000;
    public const ulong PageCount = 16;
    public const ulong P = Pages.Size4K;
    public const ulong End = Base + (PageCount * P);

    public static ulong Page(ulong index) => Base + (index * P);

    public static TestAddressSpace Create() => new(Base, PageCount * P);

    /// <summary>A recognisable non-zero byte for user address <paramref name="address"/>.</summary>
    public static byte PatternAt(ulong address) => (byte)((address * 31 % 251) + 1);

    /// <summary>Writes the pattern into the backing bytes of a mapped range.</summary>
    public static void FillPattern(TestAddressSpace space, ulong start, int length)
    {
        Span<byte> raw = space.Raw(start, length);
        for (int i = 0; i < length; i++)
        {
            raw[i] = PatternAt(start + (ulong)i);
        }
    }

    public static byte[] Pattern(ulong start, int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = PatternAt(start + (ulong)i);
        }

        return bytes;
    }

    public const MappingFlags R = MappingFlags.Read | MappingFlags.User;
    public const MappingFlags RW = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;
}
