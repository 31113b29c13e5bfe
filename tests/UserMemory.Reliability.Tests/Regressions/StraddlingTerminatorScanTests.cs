using System;
using UserMemory.AddressSpace;
using UserMemory.Reliability.Tests.Support;

namespace UserMemory.Reliability.Tests.Regressions;

/// <summary>
/// Found by the differential fuzzer: a null-terminated scan of elements whose size does not divide the page size
/// answered EFAULT when the terminator lay on a page whose last element straddles into an inaccessible page, because
/// the whole page's elements (straddler included) were checked before the terminator was looked for.
/// </summary>
public sealed class StraddlingTerminatorScanTests
{
    private const ulong Base = 0x10000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TerminatorBeforeAStraddlingElementIsFound(bool writable)
    {
        using AddrSpace space = AddrSpace.Create(Base, 0x4000);
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 0x2000, MappingFlags.Read | MappingFlags.Write, populate: true));

        // 12-byte elements from 0x102bc: element 624 spans [0x11ffc, 0x12008), straddling into the unmapped page at
        // 0x12000. The terminator is element 300, on the same page as the straddler.
        ulong start = Base + 0x2bc;
        Span<byte> raw = Raw(space, start, 0x2000 - 0x2bc);
        raw.Fill(0x5A);
        raw.Slice(12 * 300, 12).Clear(); // the terminator, element 300, on the second page

        using UserAccess access = UserAccess.Begin(space);
        if (writable)
        {
            UserSpan<E12A4> span = ((UserPtr<E12A4>)start).GetAsNullTerminated(in access);
            Assert.Equal(LinuxError.None, span.Error);
            Assert.Equal(300, span.Value.Length);
        }
        else
        {
            UserReadOnlySpan<E12A4> span = ((UserConstPtr<E12A4>)start).GetAsNullTerminated(in access);
            Assert.Equal(LinuxError.None, span.Error);
            Assert.Equal(300, span.Value.Length);
        }
    }

    [Fact]
    public void NoTerminatorBeforeTheStraddlerIsStillEfault()
    {
        using AddrSpace space = AddrSpace.Create(Base, 0x4000);
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 0x2000, MappingFlags.Read | MappingFlags.Write, populate: true));
        ulong start = Base + 0x2bc;
        Raw(space, start, 0x2000 - 0x2bc).Fill(0x5A);

        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, ((UserConstPtr<E12A4>)start).GetAsNullTerminated(in access).Error);
    }

    private static unsafe Span<byte> Raw(AddrSpace space, ulong address, int length) =>
        new((void*)space.GetKernelAddress(address), length);
}
