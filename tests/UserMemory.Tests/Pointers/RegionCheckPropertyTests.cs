using System;
using CsCheck;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Pointers;

/// <summary>GetAsSlice and GetAsNullTerminated against an obviously-right page model, on random layouts and
/// hostile arguments.</summary>
public class RegionCheckPropertyTests
{
    private const ulong Start = 0x10000;
    private const int PageCount = 16;
    private const ulong End = Start + (PageCount * 0x1000);

    private static readonly MappingFlags[] FlagChoices =
        [MappingFlags.None, MappingFlags.Read, MappingFlags.Write, MappingFlags.Read | MappingFlags.Write];

    private static readonly Gen<MappingFlags[]> GenLayout = Gen.Int[0, 3].Select(i => FlagChoices[i]).Array[PageCount];

    private static readonly Gen<ulong> GenAddress = Gen.OneOf(
        Gen.ULong[Start - 0x2000, End + 0x2000],
        Gen.ULong[0, 16],
        Gen.ULong[ulong.MaxValue - 64, ulong.MaxValue],
        Gen.Int[0, PageCount].Select(p => Start + ((ulong)p * 0x1000)),
        Gen.Int[0, PageCount].Select(p => Start + ((ulong)p * 0x1000) - 1));

    private static readonly Gen<ulong> GenLength = Gen.OneOf(
        Gen.ULong[0, 0x3000],
        Gen.Const(0UL),
        Gen.ULong[ulong.MaxValue / 4 - 4, ulong.MaxValue],
        Gen.ULong[(1UL << 62) - 2, (1UL << 62) + 2]);

    private static LinuxError ModelSlice(MappingFlags[] layout, ulong address, ulong count, ulong size, ulong align, MappingFlags need)
    {
        if (address == 0 || address % align != 0 || count > ulong.MaxValue / size)
        {
            return LinuxError.EFAULT;
        }

        ulong bytes = count * size;
        if (bytes == 0)
        {
            return address >= Start && address <= End ? LinuxError.None : LinuxError.EFAULT;
        }

        if (address < Start || address >= End || bytes > End - address)
        {
            return LinuxError.EFAULT;
        }

        for (ulong a = address & ~0xFFFUL; a < address + bytes; a += 0x1000)
        {
            if ((layout[(a - Start) / 0x1000] & need) != need)
            {
                return LinuxError.EFAULT;
            }
        }

        return count > int.MaxValue ? LinuxError.EINVAL : LinuxError.None;
    }

    private static TestAddressSpace Build(MappingFlags[] layout)
    {
        var space = new TestAddressSpace(Start, End - Start);
        for (int p = 0; p < PageCount; p++)
        {
            if (layout[p] != MappingFlags.None)
            {
                space.Map(Start + ((ulong)p * 0x1000), 0x1000, layout[p], populate: p % 2 == 0);
            }
        }

        return space;
    }

    [Fact]
    public void SlicesMatchThePageModel()
    {
        Gen.Select(GenLayout, GenAddress, GenLength).Sample((layout, address, length) =>
        {
            using TestAddressSpace space = Build(layout);
            using var access = UserAccess.Begin(space);
            LinuxError rw = UserPtr<int>.FromAddress(address).GetAsSlice(in access, length).Error;
            LinuxError ro = UserConstPtr<byte>.FromAddress(address).GetAsSlice(in access, length).Error;
            LinuxError wide = UserConstPtr<long>.FromAddress(address).GetAsSlice(in access, length).Error;
            return rw == ModelSlice(layout, address, length, 4, 4, MappingFlags.Read | MappingFlags.Write)
                && ro == ModelSlice(layout, address, length, 1, 1, MappingFlags.Read)
                && wide == ModelSlice(layout, address, length, 8, 8, MappingFlags.Read);
        }, iter: 3000);
    }

    [Fact]
    public void NullTerminatedScansMatchTheByteModel()
    {
        Gen<byte[]> genContents = Gen.Frequency((5, Gen.Const((byte)0)), (95, Gen.Byte[1, 255])).Array[PageCount * 0x1000];
        Gen.Select(GenLayout, GenAddress, genContents, Gen.ULong[1, 0x6000]).Sample((layout, address, contents, bound) =>
        {
            using TestAddressSpace space = Build(layout);
            for (int p = 0; p < PageCount; p++)
            {
                if (layout[p] != MappingFlags.None)
                {
                    contents.AsSpan(p * 0x1000, 0x1000).CopyTo(space.Raw(Start + ((ulong)p * 0x1000), 0x1000));
                }
                else
                {
                    contents.AsSpan(p * 0x1000, 0x1000).Clear();
                }
            }

            // Lazy (odd) pages read as zero until populated... but TestAddressSpace keeps the raw bytes: the model
            // follows what is stored.
            using var access = UserAccess.Begin(space);
            UserReadOnlySpan<byte> actual = UserConstPtr<byte>.FromAddress(address).GetAsNullTerminated(in access, bound);

            // Model: walk byte by byte.
            LinuxError expected = LinuxError.ENAMETOOLONG;
            int expectedLength = 0;
            if (address == 0)
            {
                expected = LinuxError.EFAULT;
            }
            else
            {
                for (ulong i = 0; i < bound; i++)
                {
                    ulong a = address + i;
                    if (a < address || a < Start || a >= End || (layout[(a - Start) / 0x1000] & MappingFlags.Read) == 0)
                    {
                        expected = LinuxError.EFAULT;
                        break;
                    }

                    if (contents[(int)(a - Start)] == 0)
                    {
                        expected = LinuxError.None;
                        expectedLength = (int)i;
                        break;
                    }
                }
            }

            return actual.Error == expected && (expected != LinuxError.None || actual.Value.Length == expectedLength);
        }, iter: 600);
    }
}
